package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparktrain.RealMnist;
import io.sparktrain.model.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints and exact resume on real MNIST: a run whose driver JVM is SIGKILLed after a checkpoint, resumed with
 * {@code train --resume}, ends with bitwise the parameters, optimiser state and metrics figures of a run never
 * interrupted; a corrupt newest checkpoint is skipped for the one before; a checkpoint of another network is
 * refused; a fresh run does not overwrite an interrupted run's checkpoints; a blown-up run exits 4.
 */
class CheckpointResumeTest {
    @TempDir
    static Path tmp;
    private static final CliRun CLI = new CliRun();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String mnist;
    private static Path uninterrupted;

    /** 1,280 examples over 2 workers x 32 x averaging 2: 10 rounds per epoch, a checkpoint every 3 rounds. */
    private static List<String> job(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "conf/mnist-cnn.conf", "--set", "data.dir=" + mnist,
                "--set", "data.trainLimit=1280", "--set", "data.testLimit=256", "--set", "training.epochs=2",
                "--set", "training.averagingFrequency=2", "--set", "checkpoint.everyRounds=3",
                "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @BeforeAll
    static void trainUninterrupted() {
        mnist = RealMnist.dir();
        uninterrupted = tmp.resolve("uninterrupted");
        assertEquals(ExitCode.OK, CLI.run(job(uninterrupted).toArray(String[]::new)), CLI.stderr());
        assertFalse(Files.exists(Path.of(uninterrupted + ".checkpoints")), "a finished run removes its checkpoints");
    }

    @Test
    void runKilledAfterACheckpointResumesToBitwiseTheUninterruptedResult() throws Exception {
        Path out = tmp.resolve("killed");
        Path checkpoints = Path.of(out + ".checkpoints");
        ChildMain child = ChildMain.start(job(out));
        long deadline = System.currentTimeMillis() + 240_000;
        while (!Files.exists(checkpoints.resolve("ckpt-000015")) && child.process().isAlive()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(child.process().isAlive() && Files.exists(checkpoints.resolve("ckpt-000015")), child.log());
        // The oldest checkpoint goes once the new one is in place: kill after that, or the kill can land in between.
        while (checkpoints(checkpoints).size() > 2 && child.process().isAlive()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        child.process().destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no cleanup
        assertFalse(Files.exists(out), "nothing in --out after a kill");
        List<Path> kept = checkpoints(checkpoints);
        assertEquals(2, kept.size(), "checkpoint.keep = 2: " + kept);

        // A checkpoint of another network is refused before any training, naming both networks.
        assertEquals(ExitCode.USAGE, CLI.run(job(out, "--set", "model.preset=lenet5", "--resume")
                .toArray(String[]::new)));
        assertTrue(CLI.stderr().contains("belongs to another network") && CLI.stderr().contains("this job has"),
                CLI.stderr());
        // A fresh run into the same folder would lose the interrupted run's checkpoints: refused.
        assertEquals(ExitCode.USAGE, CLI.run(job(out).toArray(String[]::new)));
        assertTrue(CLI.stderr().contains("--resume"), CLI.stderr());

        // The newest checkpoint is corrupted: one flipped byte in its state.
        Path newest = kept.get(0);
        try (RandomAccessFile f = new RandomAccessFile(newest.resolve("state.bin").toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x10);
        }
        assertEquals(ExitCode.OK, CLI.run(job(out, "--resume").toArray(String[]::new)), CLI.stderr());
        JsonNode resumed = metrics(out);
        assertEquals(kept.get(1).toUri().getPath().replaceAll("/$", ""),
                Path.of(java.net.URI.create(resumed.path("checkpoints").path("resumedFrom").asText())).toString(),
                "resumed from the checkpoint before the corrupt one");
        assertTrue(resumed.path("checkpoints").path("roundsBeforeResume").asInt() % 10 != 0,
                "resumed in the middle of an epoch: " + resumed.path("checkpoints"));

        MultiLayerNetwork a = model(uninterrupted);
        MultiLayerNetwork b = model(out);
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector(), "parameters, bitwise");
        assertArrayEquals(a.getUpdater().getStateViewArray().toFloatVector(),
                b.getUpdater().getStateViewArray().toFloatVector(), "Adam's moments, bitwise");
        assertEquals(a.getIterationCount(), b.getIterationCount());
        JsonNode expected = metrics(uninterrupted);
        for (String figures : List.of("test", "epochs", "rounds", "throughput")) {
            assertEquals(timesAside(expected.path(figures)), timesAside(resumed.path(figures)), figures);
        }
        assertEquals(lines(uninterrupted), lines(out), "metrics.jsonl: every round and epoch, once");
        assertFalse(Files.exists(checkpoints), "the resumed run removed its checkpoints when it finished");
    }

    @Test
    void blownUpLearningRateStopsWithExit4NamingTheRoundAndHints() {
        Path out = tmp.resolve("blown-up");
        // 1e9 used to "succeed" here with test accuracy 0.122 and weights near 3e10.
        assertEquals(ExitCode.DIVERGED, CLI.run(job(out, "--set", "training.learningRate=1e9")
                .toArray(String[]::new)));
        String err = CLI.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.matches(".*training diverged at epoch 1 round \\d+: .*hints: lower training.learningRate.*"),
                err);
        assertFalse(Files.exists(out), "no model written");
    }

    private static List<Path> checkpoints(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("ckpt-"))
                    .sorted(Comparator.comparing(Path::toString).reversed()).toList();
        }
    }

    private static MultiLayerNetwork model(Path run) throws IOException {
        try (InputStream in = Files.newInputStream(run.resolve("model.zip"))) {
            return ModelFiles.read(in).network();
        }
    }

    private static JsonNode metrics(Path run) throws IOException {
        return JSON.readTree(run.resolve("metrics.json").toFile());
    }

    /** The metrics stream's records, times aside. */
    private static List<JsonNode> lines(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            if (!node.path("type").asText().equals("run")) {
                out.add(timesAside(node));
            }
        }
        return out;
    }

    /** {@code node} without wall-clock fields (seconds, throughput, round costs) and memory readings. */
    private static JsonNode timesAside(JsonNode node) {
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove(List.of("seconds", "evalSeconds", "fitSeconds", "readSeconds", "cost", "examplesPerSecond",
                    "trainSeconds", "memory", "driverMemory"));
        }
        node.forEach(CheckpointResumeTest::strip);
    }
}
