package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data through the whole {@code train} command, in this JVM: each case stops before any Spark job with exit code 3
 * and one line naming the file, and leaves nothing in the output folder's parent (no run folder, no staging folder).
 */
class BadDataInputTest {
    private final CliRun cli = new CliRun();

    @TempDir
    Path tmp;

    private Path runs;

    @BeforeEach
    void outputParent() throws IOException {
        runs = Files.createDirectories(tmp.resolve("runs"));
    }

    @AfterEach
    void nothingWasWritten() throws IOException {
        try (Stream<Path> left = Files.list(runs)) {
            assertEquals(List.of(), left.toList(), "the run wrote into the output folder's parent");
        }
    }

    /** Runs {@code train conf --set ... --out runs/run}; asserts exit 3 and one line, and returns that line. */
    private String badData(String conf, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", conf));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        args.add("--out");
        args.add(runs.resolve("run").toString());
        ExitCode code = cli.run(args.toArray(String[]::new));
        String err = cli.stderr();
        assertEquals(ExitCode.BAD_DATA, code, err);
        assertTrue(err.startsWith("sparktrain: bad data: ") && err.endsWith("\n") && err.indexOf('\n') == err.length() - 1,
                "one line expected: " + err);
        return err.strip();
    }

    /** An MNIST folder of {@code n} training and test images, the test images {@code testSize} pixels square. */
    private Path mnist(String name, int n, int testSize) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve("train-images-idx3-ubyte"), TestData.idx(0x803, new int[] {n, 28, 28}, n * 784));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), TestData.idx(0x801, new int[] {n}, n));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), TestData.idx(0x803, new int[] {n, testSize, testSize},
                n * testSize * testSize));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), TestData.idx(0x801, new int[] {n}, n));
        return dir;
    }

    /** A CSV folder with train/ and test/, each holding {@code files} sequences of three steps. */
    private Path csv(String name, int trainFeatures, int testFeatures) throws IOException {
        Path dir = tmp.resolve(name);
        for (String split : new String[] {"train", "test"}) {
            Files.createDirectories(dir.resolve(split));
            int f = split.equals("train") ? trainFeatures : testFeatures;
            for (int s = 0; s < 6; s++) {
                StringBuilder lines = new StringBuilder();
                for (int step = 0; step < 3; step++) {
                    for (int j = 0; j < f; j++) {
                        lines.append(0.1 * (s + step + j)).append(',');
                    }
                    lines.append(s % 6).append('\n');
                }
                Files.writeString(dir.resolve(split).resolve("s" + s + ".csv"), lines);
            }
        }
        return dir;
    }

    private static String quoted(Path p) {
        return Pattern.quote(p.toUri().getPath());
    }

    @Test
    void aNameNodeThatAcceptsAndNeverAnswersFailsWithinTheTimeoutNamingTheUriAndTheKey() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept(); // accepted, read, never answered
                        held.add(s);
                        InputStream in = s.getInputStream();
                        Thread drain = new Thread(() -> {
                            try {
                                in.transferTo(java.io.OutputStream.nullOutputStream());
                            } catch (IOException e) {
                                // the client gave up and closed: expected
                            }
                        });
                        drain.setDaemon(true);
                        drain.start();
                    }
                } catch (IOException e) {
                    // the server socket closed at the end of the test
                }
            }, "silent-namenode");
            acceptor.setDaemon(true);
            acceptor.start();
            String uri = "hdfs://127.0.0.1:" + silent.getLocalPort() + "/data/mnist";
            long start = System.nanoTime();
            String err = badData("conf/mnist-cnn.conf", "data.dir=\"" + uri + "\"", "data.timeoutSeconds=2");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < 20, "took " + seconds + " s with data.timeoutSeconds = 2");
            assertTrue(err.startsWith("sparktrain: bad data: " + uri + "/train-images-idx3-ubyte: no answer from its "
                    + "file system within data.timeoutSeconds = 2 ("), err);
            assertFalse(held.isEmpty(), "the client never connected: the test proved nothing");
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void aRefusedConnectionFailsAtOnceNamingTheUri() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        String uri = "hdfs://127.0.0.1:" + port + "/data/mnist";
        long start = System.nanoTime();
        String err = badData("conf/mnist-cnn.conf", "data.dir=\"" + uri + "\"", "data.timeoutSeconds=5");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 15, "took " + seconds + " s");
        assertTrue(err.startsWith("sparktrain: bad data: " + uri + "/train-images-idx3-ubyte: cannot reach its file "
                + "system (ConnectException: "), err);
    }

    @Test
    void theTimeoutIsValidatedNamingTheKey() {
        assertEquals(ExitCode.USAGE, cli.run("train", "conf/mnist-cnn.conf", "--set", "data.timeoutSeconds=0",
                "--out", runs.resolve("run").toString()));
        assertEquals("sparktrain: data.timeoutSeconds must be in 1..3600, got 0\n", cli.stderr());
        assertEquals(ExitCode.USAGE, cli.run("train", "conf/mnist-cnn.conf", "--set", "data.timeoutSeconds=3601",
                "--out", runs.resolve("run").toString()));
        assertEquals("sparktrain: data.timeoutSeconds must be in 1..3600, got 3601\n", cli.stderr());
        assertEquals(ExitCode.USAGE, cli.run("config", "conf/mnist-cnn.conf", "--set", "data.timeoutSeconds=0.5"));
        assertEquals("sparktrain: data.timeoutSeconds must be a whole number, got 0.5\n", cli.stderr());
    }

    @Test
    void aDataPathThatIsNoUriIsAUsageErrorNamingTheKey() {
        // A bit flip turned "file:" into "&ile:" in the fuzz test: Hadoop's URISyntaxException was exit 1.
        assertEquals(ExitCode.USAGE, cli.run("train", "conf/mnist-cnn.conf", "--set", "data.dir=\"&ile:///x\"",
                "--out", runs.resolve("run").toString()), cli.stderr());
        assertTrue(cli.stderr().startsWith("sparktrain: data.dir must be a path or URI, got \"&ile:///x\" ("),
                cli.stderr());
        assertEquals(1, cli.stderr().lines().count(), cli.stderr());
    }

    @Test
    void testImagesOfAnotherSizeStopBeforeTraining() throws IOException {
        Path dir = mnist("mnist32", 20, 32);
        String err = badData("conf/mnist-cnn.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(err.matches("sparktrain: bad data: file:" + quoted(dir.resolve("t10k-images-idx3-ubyte"))
                + ": test images are 32x32 pixels but the training images file:" + quoted(dir.resolve(
                "train-images-idx3-ubyte")) + " are 28x28"), err);
        // The same check guards seq-mnist, where rows of another width used to be a usage error naming no file.
        String seq = badData("conf/seq-mnist-lstm.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(seq.contains("t10k-images-idx3-ubyte: test images are 32x32 pixels"), seq);
    }

    @Test
    void anImageHeaderDeclaringMoreThanTheFileHoldsIsNamed() throws IOException {
        Path dir = mnist("mnist-huge", 10, 28);
        Files.write(dir.resolve("train-images-idx3-ubyte"), TestData.idx(0x803, new int[] {2_700_000, 28, 28}, 7_900));
        String err = badData("conf/mnist-cnn.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(err.endsWith("train-images-idx3-ubyte: truncated: header [2700000, 28, 28] declares 2116800000 "
                + "bytes of data, the file has 7900"), err);
    }

    @Test
    void aTestSplitWithAnotherFeatureCountIsNamedWithOrWithoutStandardisation() throws IOException {
        Path dir = csv("csv-3-vs-2", 2, 3);
        for (String standardize : new String[] {"true", "false"}) {
            String err = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"",
                    "data.csv.standardize=" + standardize);
            assertTrue(err.matches("sparktrain: bad data: file:" + quoted(dir.resolve("test/s0.csv"))
                    + ": line 1: 4 columns, expected 3 \\(2 features, label\\)"), err);
        }
    }

    @Test
    void csvCellsInJavaOnlyNotationAndMalformedUtf8AreNamedByFileLineAndColumn() throws IOException {
        Path dir = csv("csv-2.5d", 2, 2);
        Files.writeString(dir.resolve("train/s3.csv"), "0.1,0.2,3\n0.3,2.5d,3\n");
        String err = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(err.matches("sparktrain: bad data: file:" + quoted(dir.resolve("train/s3.csv"))
                + ": line 2: column 2: \"2.5d\" is not a number"), err);
        Files.writeString(dir.resolve("train/s3.csv"), "0.1,0.2,3\n0.3,1e99,3\n");
        assertTrue(badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"")
                .endsWith("s3.csv: line 2: column 2: \"1e99\" is outside the range of a 32-bit float (about +-3.4e38)"));
        Files.write(dir.resolve("train/s3.csv"), new byte[] {'1', ',', '2', ',', '3', '\n', '1', ',', (byte) 0xff,
            ',', '3', '\n'});
        String utf = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(utf.endsWith("s3.csv: line 2: not UTF-8 (malformed byte sequence); save the file as UTF-8"), utf);
    }

    @Test
    void emptyFilesEmptyFoldersAndHeaderOnlyFilesAreNamed() throws IOException {
        Path dir = csv("csv-empty", 2, 2);
        Files.writeString(dir.resolve("test/s2.csv"), "");
        String err = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(err.endsWith("test/s2.csv: no time steps (the file is empty)"), err);
        Files.writeString(dir.resolve("test/s2.csv"), "a,b,label\n");
        err = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"", "data.csv.header=true");
        assertTrue(err.endsWith("test/s2.csv: no time steps (the file is empty or holds only its header line)"), err);
        try (Stream<Path> files = Files.list(dir.resolve("test"))) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        err = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(err.endsWith("csv-empty/test: no .csv files in this directory"), err);
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        err = badData("conf/char-lstm.conf", "data.text.file=\"" + empty.toUri() + "\"");
        assertTrue(err.endsWith("empty.txt: empty file: a text model needs at least two characters"), err);
        Path mnist = mnist("mnist-empty", 10, 28);
        Files.write(mnist.resolve("t10k-labels-idx1-ubyte"), new byte[0]);
        err = badData("conf/mnist-cnn.conf", "data.dir=\"" + mnist.toUri() + "\"");
        assertTrue(err.endsWith("t10k-labels-idx1-ubyte: empty or shorter than the 4-byte IDX magic number"), err);
    }

    @Test
    void aTextOfOneRepeatedCharacterIsNamedInsteadOfFailingInDl4j() throws IOException {
        Path text = Files.writeString(tmp.resolve("aaaa.txt"), "\uFEFF" + "a".repeat(5000));
        String err = badData("conf/char-lstm.conf", "data.text.file=\"" + text.toUri() + "\"");
        assertTrue(err.matches("sparktrain: bad data: file:" + quoted(text) + ": only one distinct character "
                + "\\(\"a\"\\); a text model predicts the next character and needs at least two"), err);
    }

    @Test
    void anEndlessTextFileStopsAtTheLineCap() throws IOException {
        Path zero = Files.createSymbolicLink(tmp.resolve("zero.txt"), Path.of("/dev/zero"));
        String err = badData("conf/char-lstm.conf", "data.text.file=\"" + zero.toUri() + "\"");
        assertTrue(err.endsWith("zero.txt: line 1 is longer than 16777216 characters (not a line-oriented text "
                + "file?)"), err);
        Path dir = csv("csv-zero", 2, 2);
        Files.createSymbolicLink(dir.resolve("train/s9.csv"), Path.of("/dev/zero"));
        err = badData("conf/control-chart-lstm.conf", "data.dir=\"" + dir.toUri() + "\"");
        assertTrue(err.endsWith("train/s9.csv: line 1 is longer than 16777216 characters (not a line-oriented text "
                + "file?)"), err);
    }
}
