package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launch scripts as a user runs them, on the jar {@code mvn package} built (an integration test, so it runs after
 * the package phase): a job the jar refuses gives the jar's one line and exit code, before any of the script's own
 * arithmetic on the job's values.
 */
class LaunchScriptIT {

    private static String[] runScript(String... command) throws Exception {
        assertTrue(Files.isRegularFile(Path.of("target/sparktrain.jar")), "mvn package builds the jar first");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        return new String[] {String.valueOf(p.exitValue()), output};
    }

    @Test
    void localShWithZeroWorkersExitsTwoWithTheJarsOneLine() throws Exception {
        for (List<String> launcher : List.of(List.of("bash", "submit-scripts/local.sh", "conf/mnist-cnn.conf"),
                List.of("bash", "submit-scripts/sparktrain.sh", "train", "conf/mnist-cnn.conf"))) {
            String[] r = runScript(java.util.stream.Stream.concat(launcher.stream(),
                    java.util.stream.Stream.of("--set", "training.workers=0", "--out", "target/never"))
                    .toArray(String[]::new));
            assertEquals("2", r[0], launcher + ":\n" + r[1]);
            assertEquals("sparktrain: training.workers must be > 0, got 0", r[1].strip(), launcher + ":\n" + r[1]);
            assertFalse(r[1].contains("division") || r[1].contains("unbound"), r[1]);
        }
    }
}
