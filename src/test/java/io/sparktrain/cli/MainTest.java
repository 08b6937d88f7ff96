package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.TestData;
import io.sparktrain.data.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: real IDX files, real Spark local mode, the output contract. */
class MainTest {
    @TempDir
    Path tmp;
    private Path data;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void writeData() throws IOException {
        data = tmp.resolve("mnist");
        TestData.writeIdx(data, Split.TRAIN, TestData.images(160, 10, 28, 11));
        TestData.writeIdx(data, Split.TEST, TestData.images(50, 10, 28, 12));
    }

    private ExitCode run(String... args) {
        return cli.run(args);
    }

    private String stderr() {
        return cli.stderr();
    }

    private String[] train(String outDir, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "conf/mnist-cnn.conf",
                "--set", "data.dir=" + data.toUri(), "--set", "training.epochs=2",
                "--set", "training.batchSizePerWorker=16", "--set", "training.averagingFrequency=2",
                "--out", outDir));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void trainWritesTheModelTheEffectiveConfigAndTheMetricsContract() throws IOException {
        Path run = tmp.resolve("runs/one");
        assertEquals(ExitCode.OK, run(train(run.toString())), stderr());
        assertTrue(cli.stdout().startsWith("test accuracy "));

        MultiLayerNetwork model = ModelSerializer.restoreMultiLayerNetwork(run.resolve("model.zip").toFile(), true);
        assertEquals(10, model.output(TestData.images(3, 10, 28, 1).toDataSet().getFeatures()).size(1));
        String config = Files.readString(run.resolve("config.conf"));
        assertTrue(config.contains("averagingFrequency=2") || config.contains("averagingFrequency = 2"), config);

        JsonNode m = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
        assertEquals(2, m.get("workers").asInt());
        assertEquals(16, m.get("batchSizePerWorker").asInt());
        assertEquals(2, m.get("averagingFrequency").asInt());
        // 160 examples, shards of 80 = 5 minibatches of 16, 2 per round: 3 rounds per epoch.
        assertEquals(6, m.get("rounds").size());

        // The metrics stream: a line per round and per epoch as they happened, then the run; it agrees with metrics.json.
        List<JsonNode> stream = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            stream.add(new ObjectMapper().readTree(line));
        }
        List<JsonNode> rounds = stream.stream().filter(l -> l.get("type").asText().equals("round")).toList();
        assertEquals(6, rounds.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(m.get("rounds").get(i).get("trainLoss").asDouble(), rounds.get(i).get("trainLoss").asDouble());
        }
        assertEquals(2, stream.stream().filter(l -> l.get("type").asText().equals("epoch")).count());
        JsonNode last = stream.get(stream.size() - 1);
        assertEquals("run", last.get("type").asText());
        assertEquals(m.get("test"), last.get("test"));
        assertEquals(m.get("throughput"), last.get("throughput"));
        long examples = 0;
        for (JsonNode r : m.get("rounds")) {
            for (String key : List.of("epoch", "round", "examples", "trainLoss")) {
                assertTrue(r.has(key), key);
            }
            examples += r.get("examples").asLong();
        }
        assertEquals(320, examples);
        assertEquals(2, m.get("epochs").size());
        for (String key : List.of("epoch", "trainLoss", "testLoss", "testAccuracy", "seconds")) {
            assertTrue(m.get("epochs").get(1).has(key), key);
        }
        assertEquals(50, m.get("test").get("examples").asInt());
        assertEquals(m.get("epochs").get(1).get("testAccuracy").asDouble(), m.get("test").get("accuracy").asDouble());
        assertTrue(m.get("test").get("loss").asDouble() > 0);
        assertTrue(m.get("throughput").get("examplesPerSecond").asDouble() > 0);
        JsonNode data = m.get("provenance").get("data");
        assertEquals(4, data.size());
        assertEquals(64, data.fields().next().getValue().get("sha256").asText().length());
        try (Stream<Path> files = Files.list(run.getParent())) {
            assertEquals(List.of(run), files.toList(), "no staging folder left behind");
        }
    }

    @Test
    void benchPrintsBothPhasesAndTheirRatioInTheFormBenchShReads() {
        assertEquals(ExitCode.OK, run("bench", "conf/mnist-cnn.conf", "--examples", "128", "--set",
                "training.batchSizePerWorker=16", "--set", "data.dir=" + data), stderr());
        String out = cli.stdout();
        java.util.regex.Matcher single = java.util.regex.Pattern.compile(
                "single process, ND4J ops on [12] thread\\(s\\) \\([0-9.]+ with [12]\\), fused conv blocks on \\d+: "
                        + "([0-9.]+) examples/s").matcher(out);
        java.util.regex.Matcher spark = java.util.regex.Pattern.compile(
                "Spark local\\[2\\], 2 worker\\(s\\) x \\d+ thread\\(s\\), averaging every 10: ([0-9.]+) examples/s").matcher(out);
        java.util.regex.Matcher ratio = java.util.regex.Pattern.compile("ratio Spark / single: ([0-9.]+)").matcher(out);
        assertTrue(single.find() && spark.find() && ratio.find(), out);
        double s = Double.parseDouble(single.group(1));
        double p = Double.parseDouble(spark.group(1));
        assertTrue(s > 0 && p > 0, out);
        // Both rates are printed to 0.1 and the ratio to 0.001: the tolerance is what that rounding allows.
        double rounding = 0.05 / s + p * 0.05 / (s * (s - 0.05)) + 0.0005;
        assertEquals(p / s, Double.parseDouble(ratio.group(1)), rounding, out);
        // bench.sh takes the single-process figure as the one number followed by "examples/s" on its line.
        String line = out.lines().filter(l -> l.contains("single process")).findFirst().orElseThrow();
        assertEquals(1, line.split(" examples/s", -1).length - 1, line);
    }

    @Test
    void badConfigValueIsOneLineAndExitCodeTwo() {
        Path run = tmp.resolve("bad-config");
        assertEquals(ExitCode.USAGE, run(train(run.toString(), "--set", "training.batchSizePerWorker=-3")));
        assertEquals("sparktrain: training.batchSizePerWorker must be > 0, got -3\n", stderr());
        assertFalse(Files.exists(run));
    }

    @Test
    void unknownOptionAndMissingConfigAreUsageErrors() {
        for (String[] args : List.of(new String[] {"train", "conf/mnist-cnn.conf", "--sett", "x=1"},
                new String[] {"train"}, new String[] {"fly"})) {
            assertEquals(ExitCode.USAGE, run(args));
            assertEquals(1, stderr().lines().count(), stderr());
        }
    }

    @Test
    void truncatedImageFileIsExitCodeThreeNamingTheFileAndWritesNothing() throws IOException {
        Path images = data.resolve("train-images-idx3-ubyte");
        byte[] bytes = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        Path run = tmp.resolve("bad-data");
        assertEquals(ExitCode.BAD_DATA, run(train(run.toString())));
        assertTrue(stderr().startsWith("sparktrain: bad data: file:" + data + "/train-images-idx3-ubyte: truncated"),
                stderr());
        assertEquals(1, stderr().lines().count());
        assertFalse(Files.exists(run));
    }

    @Test
    void existingOutputIsRefusedBeforeTraining() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(run.resolve("keep.txt"), "mine");
        assertEquals(ExitCode.USAGE, run(train(run.toString())));
        assertTrue(stderr().contains("already exists"), stderr());
        assertEquals("mine", Files.readString(run.resolve("keep.txt")));
    }

    @Test
    void modelInputThatDoesNotMatchTheDataIsAUsageError() {
        assertEquals(ExitCode.USAGE, run(train(tmp.resolve("x").toString(), "--set", "model.input.height=32")));
        assertTrue(stderr().contains("model.input"), stderr());
    }

}
