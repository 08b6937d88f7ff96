package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints on a real file system: atomic, pruned, and every kind of damage skipped with a warning naming it. */
class CheckpointStoreTest {
    private static final Checkpoint.Identity IDENTITY = new Checkpoint.Identity("net A", "100 training", "layout");

    @TempDir
    Path dir;

    private static Checkpoint checkpoint(int rounds) {
        List<RoundRecord> done = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            done.add(new RoundRecord(1, r + 1, 64, 2.0 - r * 0.1,
                    List.of(new RoundRecord.Worker(0, "driver", 64, 2.0, 2, 0.01))));
        }
        return new Checkpoint(IDENTITY, new float[] {rounds, 0.5f, -1.25f}, new float[] {0.1f, 0.2f, 0.3f},
                rounds * 2, 0, rounds, done, List.of(), new LossSum(rounds * 1.5, rounds * 64L), 1.5, 0, 0,
                Evaluation.EMPTY, new DivergenceGuard(1, 1.7));
    }

    private CheckpointStore store(int keep) {
        return CheckpointStore.at(dir.toUri().toString(), keep, new Configuration());
    }

    private static final class Warnings implements Consumer<String> {
        final List<String> seen = new ArrayList<>();

        @Override
        public void accept(String s) {
            seen.add(s);
        }
    }

    @Test
    void writesAtomicallyKeepsTheNewestAndReadsBackEveryField() {
        CheckpointStore store = store(2);
        for (int rounds = 3; rounds <= 9; rounds += 3) {
            store.write(checkpoint(rounds));
        }
        assertEquals(List.of("ckpt-000009", "ckpt-000006"), store.list().stream().map(p -> p.getName()).toList());
        Checkpoint back = store.newestValid(s -> { }).orElseThrow().checkpoint();
        Checkpoint written = checkpoint(9);
        assertArrayEquals(written.params(), back.params());
        assertArrayEquals(written.updaterState(), back.updaterState());
        assertEquals(written.rounds(), back.rounds());
        assertEquals(written.epochLoss(), back.epochLoss());
        assertEquals(written.guard(), back.guard());
        assertEquals(written.identity(), back.identity());
        assertEquals(written.iteration(), back.iteration());
    }

    @Test
    void skipsTruncatedCorruptAndIncompleteCheckpointsNamingEach() throws IOException {
        CheckpointStore store = store(5);
        for (int rounds = 1; rounds <= 5; rounds++) {
            store.write(checkpoint(rounds));
        }
        Path truncated = dir.resolve("ckpt-000005/state.bin");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(truncated), 100));
        Path flipped = dir.resolve("ckpt-000004/state.bin");
        byte[] bytes = Files.readAllBytes(flipped);
        bytes[bytes.length - 7] ^= 1;
        Files.write(flipped, bytes);
        // Hadoop's local file system keeps a CRC beside each file and would catch this itself; HDFS or S3 would
        // hand the bytes over, so the checkpoint's own SHA-256 must catch it.
        Files.delete(dir.resolve("ckpt-000004/.state.bin.crc"));
        Files.delete(dir.resolve("ckpt-000003/state.bin"));
        Files.writeString(dir.resolve("ckpt-000002/checkpoint.json"), "{\"parts\": ");
        Files.delete(dir.resolve("ckpt-000002/.checkpoint.json.crc"));
        // A write that died before its rename leaves a hidden staging folder: never read.
        Files.createDirectories(dir.resolve(".ckpt-000006.inprogress-x"));

        Warnings warnings = new Warnings();
        CheckpointStore.Loaded loaded = store.newestValid(warnings).orElseThrow();
        assertEquals("ckpt-000001", loaded.path().getName());
        assertEquals(1, loaded.checkpoint().roundsDone());
        assertEquals(4, warnings.seen.size(), warnings.seen.toString());
        assertTrue(warnings.seen.get(0).contains("ckpt-000005") && warnings.seen.get(0).contains("truncated"),
                warnings.seen.get(0));
        assertTrue(warnings.seen.get(1).contains("ckpt-000004") && warnings.seen.get(1).contains("SHA-256"),
                warnings.seen.get(1));
        assertTrue(warnings.seen.get(2).contains("ckpt-000003") && warnings.seen.get(2).contains("missing"),
                warnings.seen.get(2));
        assertTrue(warnings.seen.get(3).contains("ckpt-000002") && warnings.seen.get(3).contains("not valid JSON"),
                warnings.seen.get(3));
    }

    @Test
    void nothingValidMeansEmpty() throws IOException {
        CheckpointStore store = store(1);
        assertTrue(store.newestValid(s -> { }).isEmpty(), "no folder yet");
        store.write(checkpoint(2));
        Files.delete(dir.resolve("ckpt-000002/checkpoint.json"));
        assertTrue(store.newestValid(s -> { }).isEmpty());
    }

    @Test
    void aCheckpointOfAnotherNetworkOrLayoutIsRefusedNamingBoth() {
        ConfigException e = assertThrows(ConfigException.class, () -> IDENTITY.requireSame(
                new Checkpoint.Identity("net B", "100 training", "layout"), "ckpt-000002"));
        assertEquals("checkpoint ckpt-000002 belongs to another network: it has net A; this job has net B",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> IDENTITY.requireSame(
                new Checkpoint.Identity("net A", "100 training", "other layout"), "x"));
        assertTrue(e.getMessage().contains("shard layout"), e.getMessage());
        IDENTITY.requireSame(new Checkpoint.Identity("net A", "100 training", "layout"), "same");
    }
}
