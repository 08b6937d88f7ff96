package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.RealMnist;
import io.sparktrain.data.Examples;
import io.sparktrain.data.SeqMnistSource;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelFiles;
import io.sparktrain.nn.GruLayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * conf/seq-mnist-gru.conf through the command line, shrunk to one short epoch on real MNIST: it trains on Spark,
 * and its model.zip is described, evaluated, scored and exported like any other run's.
 */
class GruJobTest {
    @TempDir
    static Path tmp;
    private static String mnist;
    private static Path run;
    private static final CliRun CLI = new CliRun();

    @BeforeAll
    static void trainOneShortEpoch() {
        mnist = RealMnist.dir();
        run = tmp.resolve("gru");
        assertEquals(ExitCode.OK, CLI.run("train", "conf/seq-mnist-gru.conf", "--set", "data.dir=" + mnist, "--set",
                "data.trainLimit=640", "--set", "data.testLimit=200", "--set", "training.epochs=1", "--set",
                "model.rnn.units=32", "--out", run.toString()), CLI.stderr());
    }

    private static MultiLayerNetwork load() throws IOException {
        try (InputStream in = Files.newInputStream(run.resolve("model.zip"))) {
            return ModelFiles.read(in).network();
        }
    }

    private static JsonNode json(String stdout) throws IOException {
        return new ObjectMapper().readTree(stdout.substring(stdout.indexOf('{')));
    }

    @Test
    void theSavedNetworkIsTheGruTheJobAskedFor() throws IOException {
        MultiLayerNetwork net = load();
        GruLayer gru = (GruLayer) ((LastTimeStepLayer) net.getLayer(0)).getUnderlying();
        assertEquals(28, gru.layerConf().getNIn());
        assertEquals(32, gru.layerConf().units());
        assertEquals(3 * 32 * (28 + 32) + 6 * 32 + 32 * 10 + 10, net.numParams());
        assertEquals(ExitCode.OK, CLI.run("describe", "conf/seq-mnist-gru.conf"), CLI.stderr());
        assertTrue(CLI.stdout().contains("0 (gru)"), CLI.stdout());
    }

    @Test
    void evaluateReproducesTheRunsTestAccuracyAndLoss() throws IOException {
        JsonNode metrics = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
        assertEquals(ExitCode.OK, CLI.run("evaluate", run.toString()), CLI.stderr());
        JsonNode evaluation = json(CLI.stdout());
        assertEquals(200, evaluation.get("examples").asLong());
        assertEquals(metrics.get("test").get("accuracy").asDouble(), evaluation.get("accuracy").asDouble(), 0.0);
        assertEquals(metrics.get("test").get("loss").asDouble(), evaluation.get("loss").asDouble(),
                1e-9 * metrics.get("test").get("loss").asDouble());
    }

    @Test
    void predictScoresImagesRowByRowAsTheModelOnTheDriverDoes() throws IOException {
        String images = Paths.get(java.net.URI.create(mnist)).resolve("t10k-images-idx3-ubyte").toString();
        Path csv = tmp.resolve("gru-predictions.csv");
        assertEquals(ExitCode.OK, CLI.run("predict", run.toString(), "--data", images, "--out", csv.toString()),
                CLI.stderr());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(10001, lines.size());
        Examples test = new SeqMnistSource(mnist, 0, 100, false).load(Split.TEST, new Configuration());
        INDArray out = load().output(test.minibatch(IntStream.range(0, 100).toArray(), 0, 100).getFeatures(),
                false);
        for (int i = 0; i < 100; i++) {
            assertEquals(out.getRow(i).argMax().getInt(0), Integer.parseInt(lines.get(i + 1).split(",")[1]),
                    "row " + i);
        }
    }

    @Test
    void aCharacterGruTrainsOnTextAndSamplesStepByStep() throws IOException {
        String[] sentences = {"the cat sat on the mat. ", "a dog ran to the park. "};
        java.util.Random random = new java.util.Random(3);
        StringBuilder text = new StringBuilder();
        while (text.length() < 3000) {
            text.append(sentences[random.nextInt(sentences.length)]);
        }
        Path file = Files.writeString(tmp.resolve("text.txt"), text.toString());
        Path charRun = tmp.resolve("char-gru");
        assertEquals(ExitCode.OK, CLI.run("train", "conf/char-lstm.conf", "--set", "data.text.file=" + file.toUri(),
                "--set", "model.preset=gru", "--set", "training.tbpttLength=0", "--set", "data.text.window=24",
                "--set", "data.text.stride=24", "--set", "model.rnn.units=32", "--set", "training.epochs=2",
                "--out", charRun.toString()), CLI.stderr());
        assertEquals(ExitCode.OK, CLI.run("sample", charRun.toString(), "--length", "40", "--prime", "the ",
                "--seed", "5"), CLI.stderr());
        String sample = CLI.stdout().stripTrailing();
        assertEquals(40, sample.length(), sample);
        assertTrue(sample.chars().allMatch(c -> text.indexOf(String.valueOf((char) c)) >= 0), sample);
    }

    @Test
    void exportWritesAnOnnxGru() throws IOException {
        Path file = tmp.resolve("gru.onnx");
        assertEquals(ExitCode.OK, CLI.run("export", run.toString(), "--format", "onnx", "--out", file.toString()),
                CLI.stderr());
        assertTrue(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("linear_before_reset"));
    }
}
