package io.sparktrain.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparktrain.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry bookkeeping without training: champion pointer, history, rollback, retention, numbering. */
class ModelRegistryTest {
    @TempDir
    Path tmp;

    @Test
    void retentionKeepsTheNewestAndEveryFormerChampionAndNumbersNeverRepeat() throws Exception {
        ModelRegistry r = ModelRegistry.open(tmp.resolve("reg").toUri().toString(), true, new Configuration());
        FileSystem fs = r.root().getFileSystem(new Configuration());
        for (int v = 1; v <= 6; v++) {
            fs.mkdirs(r.versionPath(v));
        }
        try (RegistryLock lock = r.lock(60, 0)) {
            r.setChampion(lock, 2, "promoted", Map.of("reason", "test"));
            r.record(lock, Map.of("event", "rejected", "version", 3, "reason", "test"));
            r.setChampion(lock, 4, "promoted", Map.of("reason", "test"));
            // Newest two: 5 and 6; ever champion: 2 and 4; the rest goes.
            assertEquals(List.of(1, 3), r.retain(lock, 2));
        }
        assertEquals(List.of(2, 4, 5, 6), r.versions());
        assertEquals(Optional.of(4), r.champion());
        assertEquals(7, r.nextVersion());
        assertEquals(List.of("promoted", "rejected", "promoted"), r.history().stream().map(e -> e.get("event")).toList());
        assertEquals(2, r.history().get(2).get("previousChampion"));

        assertEquals(2, r.rollback());
        assertEquals(Optional.of(2), r.champion());
        assertThrows(ConfigException.class, () -> r.promote(3));
        r.promote(6);
        assertEquals(Optional.of(6), r.champion());
    }
}
