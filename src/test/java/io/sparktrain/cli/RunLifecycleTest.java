package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import io.sparktrain.data.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's life from the outside: an output location that cannot be written is refused before any Spark job; Spark's
 * set-up errors are one line; SIGINT and SIGTERM stop a real driver JVM with one line, exit 130 or 143 and no
 * half-written run folder; what a SIGKILLed driver leaves (its staging folder, Spark's scratch) is removed by the
 * next run.
 */
class RunLifecycleTest {
    @TempDir
    static Path tmp;
    private static Path data;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void writeData() throws IOException {
        data = tmp.resolve("mnist");
        TestData.writeIdx(data, Split.TRAIN, TestData.images(640, 10, 28, 21));
        TestData.writeIdx(data, Split.TEST, TestData.images(64, 10, 28, 22));
    }

    /** A small job; {@code epochs} epochs of 20 rounds (2 workers x 16 examples, averaging every minibatch). */
    private static List<String> train(String out, int epochs, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "conf/mnist-cnn.conf", "--set", "data.dir=" + data.toUri(),
                "--set", "training.epochs=" + epochs, "--set", "training.batchSizePerWorker=16",
                "--set", "training.averagingFrequency=1", "--out", out));
        args.addAll(List.of(more));
        return args;
    }

    private ExitCode run(List<String> args) {
        return cli.run(args.toArray(String[]::new));
    }

    private void assertOneLine(String stderr) {
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertFalse(stderr.contains("Exception"), stderr);
    }

    @Test
    void anOutputUnderProcIsRefusedBeforeTheDataIsEvenRead() {
        // The data folder does not exist: were the output checked after reading data (or training), this is exit 3.
        List<String> args = new ArrayList<>(train("/proc/x", 1));
        args.set(args.indexOf("data.dir=" + data.toUri()), "data.dir=" + tmp.resolve("no-such-data"));
        assertEquals(ExitCode.OUTPUT, run(args), cli.stderr());
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().startsWith("sparktrain: output: --out /proc/x: cannot write in "), cli.stderr());
    }

    @Test
    void anOutputWhoseParentIsAFileIsRefusedUpFrontNamingTheFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertEquals(ExitCode.OUTPUT, run(train(file.resolve("sub/run").toString(), 1)), cli.stderr());
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().contains(file + " is a file, not a folder"), cli.stderr());
        assertFalse(Files.exists(tmp.resolve("a-file-sub")));
    }

    @Test
    void anEmptyOutputIsAUsageError() {
        assertEquals(ExitCode.USAGE, run(train("", 1)), cli.stderr());
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().contains("--out must name a folder"), cli.stderr());
    }

    @Test
    void anUnknownMasterIsAUsageErrorNamingIt() {
        assertEquals(ExitCode.USAGE, run(train(tmp.resolve("m").toString(), 1, "--set", "spark.master=bogus://x")),
                cli.stderr());
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().contains("spark.master bogus://x is not a master URL"), cli.stderr());
    }

    @Test
    void aHeapBelowSparksMinimumIsRefusedBeforeTheDataIsRead() {
        // Spark reads its memory from this property in place of the heap's size (its own test hook).
        System.setProperty("spark.testing.memory", String.valueOf(200L << 20));
        try {
            List<String> args = new ArrayList<>(train(tmp.resolve("heap").toString(), 1));
            args.set(args.indexOf("data.dir=" + data.toUri()), "data.dir=" + tmp.resolve("no-such-data"));
            assertEquals(ExitCode.USAGE, run(args), cli.stderr());
        } finally {
            System.clearProperty("spark.testing.memory");
        }
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().startsWith("sparktrain: Spark refused the memory it was given: the driver's heap is "
                + "200 MiB"), cli.stderr());
    }

    @Test
    void aNetworkTooBigForTheNativeMemoryIsRefusedBeforeSparkStarts() throws IOException {
        // An LSTM of 10^6 units has 4 x 10^12 parameters: DL4J used to fail with "Allocation failed", exit 1.
        Path out = tmp.resolve("huge");
        assertEquals(ExitCode.USAGE, cli.run("train", "conf/seq-mnist-lstm.conf", "--set", "data.dir=" + data.toUri(),
                "--set", "model.rnn.units=1000000", "--out", out.toString()), cli.stderr());
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().startsWith("sparktrain: the network has 4,000,1"), // 4 x 10^12 and a few more
                cli.stderr());
        assertTrue(cli.stderr().contains("MiB this JVM may use"), cli.stderr());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void s3aDataWithoutTheConnectorNamesTheJarsToAdd() {
        List<String> args = new ArrayList<>(train(tmp.resolve("s3").toString(), 1));
        args.set(args.indexOf("data.dir=" + data.toUri()), "data.dir=s3a://bucket/mnist");
        assertEquals(ExitCode.USAGE, run(args), cli.stderr());
        assertOneLine(cli.stderr());
        assertTrue(cli.stderr().contains("hadoop-aws-") && cli.stderr().contains("aws-java-sdk-bundle"),
                cli.stderr());
    }

    /** Starts a long run in a JVM of its own and waits until it trains. */
    private static ChildMain startTraining(Path out, String... more) throws Exception {
        ChildMain child = ChildMain.start(train(out.toString(), 200, more));
        assertTrue(child.await("round 1/20", 240), child.log());
        return child;
    }

    private static long scratchOf(ChildMain child) {
        return child.process().pid();
    }

    /** Sends {@code SIGname} and returns how many lines the child had printed before. */
    private static int signal(ChildMain child, String name) throws Exception {
        int before = child.lines().size();
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(child.process().pid())).start();
        assertEquals(0, kill.waitFor());
        return before;
    }

    /** {@code before}: how many lines the child had printed when the signal was sent. */
    private static void assertStopsCleanly(ChildMain child, int before, Path out, int code, String signal)
            throws Exception {
        int exit = child.finish();
        List<String> after = child.lines().subList(before, child.lines().size());
        assertEquals(code, exit, child.log());
        assertTrue(after.size() <= 3, "at most a couple of lines after the signal:\n" + String.join("\n", after));
        String last = after.get(after.size() - 1);
        assertTrue(last.startsWith("sparktrain: interrupted (" + signal + "), stopped after epoch "), child.log());
        assertFalse(child.log().contains("\tat ") || child.log().contains("Exception"), child.log());
        assertFalse(Files.exists(out), "no run folder");
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".inprogress-")),
                    "no staging folder");
        }
        assertFalse(Files.exists(Path.of(System.getProperty("java.io.tmpdir"), "sparktrain-" + scratchOf(child))),
                "Spark's scratch folder is removed");
    }

    @Test
    void sigintStopsTheRunWithOneLineAndExit130() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("sigint")).resolve("run");
        ChildMain child = startTraining(out);
        int before = signal(child, "INT");
        assertStopsCleanly(child, before, out, 130, "SIGINT");
        assertTrue(child.log().contains("no checkpoint was written yet"), child.log());
    }

    @Test
    void sigtermStopsTheRunWithOneLineAndExit143NamingTheCheckpointToResumeFrom() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("sigterm")).resolve("run");
        ChildMain child = startTraining(out, "--set", "checkpoint.everyRounds=1");
        assertTrue(child.await("checkpoint ", 120), child.log());
        int before = signal(child, "TERM"); // not Process.destroy(), which closes the child's output as it signals
        assertStopsCleanly(child, before, out, 143, "SIGTERM");
        assertTrue(child.log().contains("the newest checkpoint is file:" + out + ".checkpoints/ckpt-"), child.log());
        assertTrue(Files.isDirectory(Path.of(out + ".checkpoints")), "the checkpoints stay for --resume");
    }

    @Test
    void whatAKilledRunLeavesIsRemovedByTheNextRunOnTheHost() throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("killed"));
        ChildMain child = startTraining(parent.resolve("run"));
        Path scratch = Path.of(System.getProperty("java.io.tmpdir"), "sparktrain-" + scratchOf(child));
        child.process().destroyForcibly().waitFor(); // SIGKILL: no handler, no hook
        List<Path> staging;
        try (Stream<Path> s = Files.list(parent)) {
            staging = s.filter(p -> p.getFileName().toString().startsWith(".run.inprogress-")).toList();
        }
        assertEquals(1, staging.size(), "the killed run's staging folder is there");
        assertTrue(Files.isDirectory(scratch), "and its Spark scratch folder");

        assertEquals(ExitCode.OK, run(train(parent.resolve("next").toString(), 1)), cli.stderr());
        assertFalse(Files.exists(staging.get(0)), "the next run in the same parent removed the staging folder");
        assertFalse(Files.exists(scratch), "and the dead process's Spark scratch folder");
        assertTrue(Files.isRegularFile(parent.resolve("next/model.zip")));
    }
}
