package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import io.sparktrain.data.Split;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void theLaunchersGiveSparkAScratchFolderNamedAfterTheJvmWithoutSparksOverrideWarning(@TempDir Path tmp)
            throws Exception {
        Path data = tmp.resolve("mnist");
        TestData.writeIdx(data, Split.TRAIN, TestData.images(640, 10, 28, 31));
        TestData.writeIdx(data, Split.TEST, TestData.images(64, 10, 28, 32));
        Process p = new ProcessBuilder("bash", "submit-scripts/sparktrain.sh", "train", "conf/mnist-cnn.conf",
                "--set", "data.dir=" + data.toUri(), "--set", "training.epochs=200",
                "--set", "training.batchSizePerWorker=16", "--set", "training.averagingFrequency=1",
                "--out", tmp.resolve("run").toString()).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        Matcher stream = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = Pattern.compile("metrics stream: .*\\.inprogress-.+-(\\d+)-[0-9a-f]{8}/").matcher(line);
                if (m.find()) {
                    stream = m;
                    break;
                }
            }
            assertTrue(stream != null, log.toString());
            assertEquals(p.pid(), Long.parseLong(stream.group(1)), "exec keeps the script's pid for the JVM");
            Path scratch = Path.of(System.getenv().getOrDefault("TMPDIR", "/tmp"), "sparktrain-" + p.pid());
            p.destroyForcibly().waitFor(); // SIGKILL: what it leaves is in one place the next run removes
            try (var entries = Files.list(scratch)) {
                assertTrue(entries.anyMatch(e -> e.getFileName().toString().startsWith("blockmgr-")),
                        "Spark's block manager used " + scratch);
            }
            assertFalse(log.toString().contains("spark.local.dir"), log.toString());
            try (var walk = Files.walk(scratch)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void localShWithZeroWorkersExitsTwoWithTheJarsOneLine() throws Exception {
        for (List<String> launcher : List.of(List.of("bash", "submit-scripts/local.sh", "conf/mnist-cnn.conf"),
                List.of("bash", "submit-scripts/sparktrain.sh", "train", "conf/mnist-cnn.conf"))) {
            String[] r = runScript(java.util.stream.Stream.concat(launcher.stream(),
                    java.util.stream.Stream.of("--set", "training.workers=0", "--out", "target/never"))
                    .toArray(String[]::new));
            assertEquals("2", r[0], launcher + ":\n" + r[1]);
            // local.sh echoes the job's command line ("+ java ...") before it runs it; nothing else but the error.
            String said = r[1].lines().filter(l -> !l.startsWith("+ ")).collect(Collectors.joining("\n"));
            assertEquals("sparktrain: training.workers must be > 0, got 0", said.strip(), launcher + ":\n" + r[1]);
            assertFalse(r[1].contains("division") || r[1].contains("unbound"), r[1]);
        }
    }
}
