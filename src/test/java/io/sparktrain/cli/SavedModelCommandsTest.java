package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.RealMnist;
import io.sparktrain.data.Examples;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.SeqMnistSource;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelFiles;
import io.sparktrain.nn.FusedConvPoolLayer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Models that leave the project: a fused CNN run and an LSTM run trained on real MNIST, then loaded by a JVM that
 * has plain DL4J and nothing of sparktrain, evaluated and scored on Spark through the command line.
 */
class SavedModelCommandsTest {
    @TempDir
    static Path tmp;
    private static String mnist;
    private static Path cnnRun;
    private static Path lstmRun;
    private static final CliRun CLI = new CliRun();

    @BeforeAll
    static void trainTwoRuns() {
        mnist = RealMnist.dir();
        cnnRun = tmp.resolve("cnn");
        lstmRun = tmp.resolve("lstm");
        ExitCode cnn = CLI.run("train", "conf/mnist-cnn.conf", "--set", "data.dir=" + mnist, "--set",
                "data.trainLimit=3000", "--set", "data.testLimit=1000", "--set", "training.epochs=1", "--out",
                cnnRun.toString());
        assertEquals(ExitCode.OK, cnn, CLI.stderr());
        ExitCode lstm = CLI.run("train", "conf/seq-mnist-lstm.conf", "--set", "data.dir=" + mnist, "--set",
                "data.trainLimit=640", "--set", "data.testLimit=200", "--set", "training.epochs=1", "--set",
                "model.rnn.units=32", "--out", lstmRun.toString());
        assertEquals(ExitCode.OK, lstm, CLI.stderr());
    }

    @Test
    void fusedCnnRunLoadsInPlainDl4jWithTheOutputsOfTheProjectsOwnLoading() throws Exception {
        MultiLayerNetwork own = load(cnnRun);
        assertTrue(Arrays.stream(own.getLayers()).anyMatch(l -> l instanceof FusedConvPoolLayer),
                "the project's loading fuses the blocks again");
        Examples test = new MnistSource(mnist, 0, 64).load(Split.TEST, new Configuration());
        assertPlainDl4jAgrees(cnnRun, own, test.minibatch(IntStream.range(0, 64).toArray(), 0, 64).getFeatures());
    }

    @Test
    void lstmRunLoadsInPlainDl4jWithTheOutputsOfTheProjectsOwnLoading() throws Exception {
        MultiLayerNetwork own = load(lstmRun);
        Examples test = new SeqMnistSource(mnist, 0, 64, false).load(Split.TEST, new Configuration());
        assertPlainDl4jAgrees(lstmRun, own, test.minibatch(IntStream.range(0, 64).toArray(), 0, 64).getFeatures());
    }

    @Test
    void evaluateReproducesTheRunsTestAccuracyAndLoss() throws IOException {
        JsonNode metrics = new ObjectMapper().readTree(cnnRun.resolve("metrics.json").toFile());
        assertEquals(ExitCode.OK, CLI.run("evaluate", cnnRun.toString()), CLI.stderr());
        JsonNode evaluation = json(CLI.stdout());
        assertEquals(1000, evaluation.get("examples").asLong());
        assertEquals(metrics.get("test").get("accuracy").asDouble(), evaluation.get("accuracy").asDouble(), 0.0);
        assertEquals(metrics.get("test").get("loss").asDouble(), evaluation.get("loss").asDouble(),
                1e-12 * metrics.get("test").get("loss").asDouble());
        assertEquals(10, evaluation.get("perClass").size());
        long total = 0;
        for (JsonNode row : evaluation.get("confusion")) {
            for (JsonNode cell : row) {
                total += cell.asLong();
            }
        }
        assertEquals(1000, total);
        // Other data of the same form: the whole test set.
        assertEquals(ExitCode.OK, CLI.run("evaluate", cnnRun.resolve("model.zip").toString(), "--data", mnist,
                "--set", "data.testLimit=0"), CLI.stderr());
        assertEquals(10000, json(CLI.stdout()).get("examples").asLong());
    }

    @Test
    void predictWritesOneRowPerTestImageAgreeingWithEvaluate() throws Exception {
        Path csv = tmp.resolve("predictions.csv");
        String images = Paths.get(java.net.URI.create(mnist)).resolve("t10k-images-idx3-ubyte").toString();
        assertEquals(ExitCode.OK, CLI.run("predict", cnnRun.toString(), "--data", images, "--out", csv.toString()),
                CLI.stderr());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("id,predicted,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9", lines.get(0));
        assertEquals(10001, lines.size());
        int[] predicted = new int[10000];
        for (int i = 0; i < 10000; i++) {
            String[] cells = lines.get(i + 1).split(",");
            assertEquals(String.valueOf(i), cells[0], "rows in input order");
            predicted[i] = Integer.parseInt(cells[1]);
        }
        // Row by row against the model on the driver.
        MultiLayerNetwork own = load(cnnRun);
        Examples test = new MnistSource(mnist, 0, 0).load(Split.TEST, new Configuration());
        int[] order = IntStream.range(0, test.size()).toArray();
        for (int from = 0; from < test.size(); from += 1000) {
            INDArray out = own.output(test.minibatch(order, from, from + 1000).getFeatures(), false);
            for (int i = 0; i < 1000; i++) {
                assertEquals(out.getRow(i).argMax().getInt(0), predicted[from + i], "row " + (from + i));
            }
        }
        // And in aggregate against evaluate's confusion matrix over the same 10,000 images.
        assertEquals(ExitCode.OK, CLI.run("evaluate", cnnRun.toString(), "--set", "data.testLimit=0"),
                CLI.stderr());
        JsonNode confusion = json(CLI.stdout()).get("confusion");
        for (int c = 0; c < 10; c++) {
            long column = 0;
            for (JsonNode row : confusion) {
                column += row.get(c).asLong();
            }
            final int cls = c;
            assertEquals(column, Arrays.stream(predicted).filter(p -> p == cls).count(), "class " + c);
        }
        // The same rows as Parquet.
        Path parquet = tmp.resolve("predictions.parquet");
        assertEquals(ExitCode.OK, CLI.run("predict", cnnRun.toString(), "--data", images, "--out",
                parquet.toString()), CLI.stderr());
        int n = 0;
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                new org.apache.hadoop.fs.Path(parquet.toUri())).build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                assertEquals(String.valueOf(n), g.getString("id", 0));
                assertEquals(predicted[n], g.getInteger("predicted", 0));
                n++;
            }
        }
        assertEquals(10000, n);
        // A sequence model reads the same images row by row, as it was trained.
        Path rows = tmp.resolve("lstm-predictions.csv");
        assertEquals(ExitCode.OK, CLI.run("predict", lstmRun.toString(), "--data", images, "--out", rows.toString()),
                CLI.stderr());
        assertEquals(10001, Files.readAllLines(rows).size());
    }

    @Test
    void exportedOnnxOfBothRunsRunsInOnnxRuntimeWithDl4jsOutputs() throws Exception {
        Examples images = new MnistSource(mnist, 0, 64).load(Split.TEST, new Configuration());
        Examples sequences = new SeqMnistSource(mnist, 0, 64, false).load(Split.TEST, new Configuration());
        int[] order = IntStream.range(0, 64).toArray();
        for (Path run : List.of(cnnRun, lstmRun)) {
            Path file = tmp.resolve(run.getFileName() + ".onnx");
            assertEquals(ExitCode.OK, CLI.run("export", run.toString(), "--format", "onnx", "--out",
                    file.toString()), CLI.stderr());
            INDArray x = (run == cnnRun ? images : sequences).minibatch(order, 0, 64).getFeatures();
            float[] want = load(run).output(x, false).dup('c').data().asFloat();
            ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
            try (ai.onnxruntime.OrtSession session = env.createSession(file.toString(),
                    new ai.onnxruntime.OrtSession.SessionOptions());
                 ai.onnxruntime.OnnxTensor input = ai.onnxruntime.OnnxTensor.createTensor(env,
                         java.nio.FloatBuffer.wrap(x.dup('c').data().asFloat()), x.shape());
                 ai.onnxruntime.OrtSession.Result result = session.run(java.util.Map.of("input", input))) {
                java.nio.FloatBuffer got = ((ai.onnxruntime.OnnxTensor) result.get("probabilities").orElseThrow())
                        .getFloatBuffer();
                assertEquals(want.length, got.remaining());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got.get(i), 1e-4, run.getFileName() + " output " + i);
                }
            }
        }
        assertEquals(ExitCode.USAGE, CLI.run("export", cnnRun.toString(), "--format", "tflite"));
    }

    @Test
    void modelAndDataThatDoNotFitFailBeforeSparkWithOneLineAndWriteNothing() throws IOException {
        Path out = tmp.resolve("never.csv");
        // 20 x 20 images: neither the CNN's 28 x 28 input nor the LSTM's 28 values per row.
        Path small = tmp.resolve("small");
        io.sparktrain.TestData.writeIdx(small, Split.TRAIN, io.sparktrain.TestData.images(30, 10, 20, 3));
        io.sparktrain.TestData.writeIdx(small, Split.TEST, io.sparktrain.TestData.images(30, 10, 20, 4));
        String images = small.resolve("t10k-images-idx3-ubyte").toString();
        assertEquals(ExitCode.USAGE, CLI.run("predict", cnnRun.toString(), "--data", images, "--out",
                out.toString()));
        String err = CLI.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("[1, 28, 28]") && err.contains("[1, 20, 20]"), err);
        assertEquals(ExitCode.USAGE, CLI.run("predict", lstmRun.toString(), "--data", images, "--out",
                out.toString()));
        err = CLI.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("[28]") && err.contains("[20]"), err);
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("never")), "nothing written");
        }

        assertEquals(ExitCode.USAGE, CLI.run("evaluate", cnnRun.toString(), "--data", small.toString()));
        err = CLI.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("[1, 28, 28]") && err.contains("[1, 20, 20]"), err);
    }

    private static MultiLayerNetwork load(Path run) throws IOException {
        try (InputStream in = Files.newInputStream(run.resolve("model.zip"))) {
            return ModelFiles.read(in).network();
        }
    }

    private static JsonNode json(String stdout) throws IOException {
        return new ObjectMapper().readTree(stdout.substring(stdout.indexOf('{')));
    }

    /** Runs PlainDl4jLoad.java in a JVM whose class path is DL4J's without sparktrain's classes. */
    private static void assertPlainDl4jAgrees(Path run, MultiLayerNetwork own, INDArray input) throws Exception {
        Path in = tmp.resolve(run.getFileName() + "-input.bin");
        Path out = tmp.resolve(run.getFileName() + "-output.bin");
        try (DataOutputStream s = new DataOutputStream(Files.newOutputStream(in))) {
            Nd4j.write(input, s);
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> plain = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (!entry.contains("target/classes") && !entry.contains("target/test-classes")
                    && !entry.contains("sparktrain")) {
                plain.add(entry);
            }
        }
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString()));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens"))
                .forEach(command::add);
        command.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, plain),
                "src/test/resources/plain-dl4j/PlainDl4jLoad.java", run.resolve("model.zip").toString(),
                in.toString(), out.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        INDArray theirs;
        try (DataInputStream s = new DataInputStream(Files.newInputStream(out))) {
            theirs = Nd4j.read(s);
        }
        INDArray ours = own.output(input, false);
        assertArrayEquals(ours.shape(), theirs.shape());
        float[] a = ours.dup('c').data().asFloat();
        float[] b = theirs.dup('c').data().asFloat();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-4, "output " + i);
        }
    }

    private static void assertArrayEquals(long[] expected, long[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }
}
