package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.MiniHdfs;
import io.sparktrain.RealMnist;
import io.sparktrain.TestData;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelFiles;
import io.sparktrain.pipeline.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled retraining on a real HDFS ({@code MiniDFSCluster}): cycles on growing data, the quality gate, no-op
 * re-runs, operators' commands, two runs racing and a run killed while it promotes (separate JVMs).
 */
class RetrainTest {
    @TempDir
    static Path tmp;
    private static MiniDFSCluster dfs;
    private static FileSystem fs;
    private static String hdfs;
    private static final CliRun CLI = new CliRun();

    @BeforeAll
    static void startHdfs() throws IOException {
        MiniHdfs started = MiniHdfs.start(tmp.resolve("minidfs"));
        dfs = started.cluster();
        fs = started.fs();
        hdfs = started.uri();
        // Growing data: 1,500 then 3,000 real MNIST images; a third drop of 3,000 with scrambled labels. The same
        // 500 test images are the holdout of every cycle.
        String mnist = RealMnist.dir();
        Configuration local = new Configuration();
        ExampleSet train = MnistData.load(mnist, Split.TRAIN, 3000, local);
        ExampleSet test = MnistData.load(mnist, Split.TEST, 500, local);
        write("c1", train.subset(range(1500)), test);
        write("c2", train, test);
        int[] scrambled = new int[3000];
        Random random = new Random(7);
        for (int i = 0; i < scrambled.length; i++) {
            scrambled[i] = random.nextInt(10);
        }
        write("c3", new ExampleSet(train.toDataSet().getFeatures().dup('c').data().asFloat(), scrambled,
                new int[] {1, 28, 28}, 10), test);
        write("d1", train.subset(range(800)), test.subset(range(200)));
        write("d2", train.subset(range(1600)), test.subset(range(200)));
    }

    @AfterAll
    static void stopHdfs() {
        if (dfs != null) {
            dfs.shutdown();
        }
    }

    private static int[] range(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    private static void write(String name, ExampleSet train, ExampleSet test) throws IOException {
        Path local = tmp.resolve(name);
        TestData.writeIdx(local, Split.TRAIN, train);
        TestData.writeIdx(local, Split.TEST, test);
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path("/data/" + name));
    }

    private static ExitCode retrain(String registry, String data, String... sets) {
        List<String> args = new ArrayList<>(List.of("retrain", "conf/mnist-cnn.conf", "--registry", registry,
                "--set", "data.dir=" + hdfs + "/data/" + data, "--set", "training.epochs=1"));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return CLI.run(args.toArray(String[]::new));
    }

    @Test
    void threeCyclesPromoteFromScratchThenWarmStartThenTheGateKeepsScrambledLabelsOut() throws IOException {
        String registry = hdfs + "/registry";
        assertEquals(ExitCode.OK, retrain(registry, "c1"), CLI.stderr());
        assertTrue(CLI.stdout().startsWith("promoted version 1: first version"), CLI.stdout());

        assertEquals(ExitCode.OK, retrain(registry, "c2"), CLI.stderr());
        assertTrue(CLI.stdout().startsWith("promoted version 2: passed the gate"), CLI.stdout());
        ModelRegistry r = ModelRegistry.open(registry, false, new Configuration());
        Map<String, Object> manifest = r.read(2, "manifest.json");
        assertEquals(1, manifest.get("warmStartedFrom"));
        assertEquals(4, ((Map<?, ?>) manifest.get("inputs")).size());
        for (String key : List.of("key", "versions", "seed", "sparkMaster", "executors", "started", "ended", "gate")) {
            assertTrue(manifest.containsKey(key), key);
        }
        double championAccuracy = accuracy(r, 2);
        assertTrue(championAccuracy > accuracy(r, 1), "more data, warm-started: better than version 1");

        assertEquals(ExitCode.KEPT, retrain(registry, "c3"), CLI.stderr());
        assertTrue(CLI.stdout().startsWith("kept champion version 2; candidate version 3 rejected: accuracy"),
                CLI.stdout());
        assertEquals(java.util.Optional.of(2), r.champion());
        Map<String, Object> rejected = r.history().get(r.history().size() - 1);
        assertEquals("rejected", rejected.get("event"));
        assertEquals(3, rejected.get("version"));
        Map<?, ?> gate = (Map<?, ?>) rejected.get("gate");
        assertTrue(gate.containsKey("candidate") && gate.containsKey("champion"), rejected.toString());

        // Same inputs and configuration again: nothing trained, exit 0, the existing version reported.
        assertEquals(ExitCode.OK, retrain(registry, "c2"), CLI.stderr());
        assertTrue(CLI.stdout().startsWith("unchanged: version 2 was trained from the same inputs"), CLI.stdout());
        assertEquals(List.of(1, 2, 3), r.versions());

        assertEquals(ExitCode.OK, CLI.run("registry", registry, "list"), CLI.stderr());
        List<String> lines = CLI.stdout().strip().lines().toList();
        assertEquals(3, lines.size(), CLI.stdout());
        assertTrue(lines.get(1).startsWith("2  accuracy ") && lines.get(1).endsWith("  champion"), lines.get(1));
        assertFalse(lines.get(0).contains("champion") || lines.get(2).contains("champion"), CLI.stdout());

        assertEquals(ExitCode.OK, CLI.run("registry", registry, "rollback"), CLI.stderr());
        assertEquals(java.util.Optional.of(1), r.champion());
        assertEquals(ExitCode.OK, CLI.run("registry", registry, "promote", "2"), CLI.stderr());
        assertEquals(java.util.Optional.of(2), r.champion());
        assertEquals(ExitCode.OK, CLI.run("registry", registry, "show", "3"), CLI.stderr());
        assertTrue(CLI.stdout().contains("\"champion\" : false"), CLI.stdout());
        assertEquals(ExitCode.USAGE, CLI.run("registry", registry, "promote", "9"));
        assertEquals(ExitCode.USAGE, CLI.run("registry", hdfs + "/nothing-here", "list"));
    }

    @Test
    void replayTrainsOnTheNewDataPlusASeededSampleOfTheChampionsData() throws IOException {
        String registry = hdfs + "/replay";
        assertEquals(ExitCode.OK, retrain(registry, "d1"), CLI.stderr());
        ExitCode second = retrain(registry, "d2", "retrain.replay=0.5", "retrain.gate.accuracyMargin=1",
                "retrain.gate.lossMargin=100");
        assertEquals(ExitCode.OK, second, CLI.stderr());
        ModelRegistry r = ModelRegistry.open(registry, false, new Configuration());
        Map<?, ?> replay = (Map<?, ?>) r.read(2, "manifest.json").get("replay");
        assertEquals(800, replay.get("examples"), replay.toString());
        assertEquals(1, replay.get("fromVersion"));
        assertEquals(2, ((Map<?, ?>) replay.get("inputs")).size(), "the replayed IDX files are in the manifest");
        Map<?, ?> throughput = (Map<?, ?>) r.read(2, "metrics.json").get("throughput");
        assertEquals(1600 + 800, ((Number) throughput.get("trainExamples")).intValue());
    }

    @Test
    void twoRunsRacingOnOneRegistryPromoteExactlyOnce() throws Exception {
        String registry = hdfs + "/race";
        ChildMain a = retrainChild(registry, "d1", "retrain.lockWaitSeconds=300");
        ChildMain b = retrainChild(registry, "d1", "retrain.lockWaitSeconds=300");
        assertEquals(0, a.finish(), a.log());
        assertEquals(0, b.finish(), b.log());
        ModelRegistry r = ModelRegistry.open(registry, false, new Configuration());
        assertEquals(List.of(1), r.versions());
        assertEquals(1, r.history().stream().filter(e -> "promoted".equals(e.get("event"))).count());
        assertTrue(a.log().contains("unchanged: version 1") ^ b.log().contains("unchanged: version 1"),
                a.log() + b.log());
    }

    @Test
    void aRunKilledWhilePromotingLeavesAValidChampionAndItsStaleLockIsBroken() throws Exception {
        String registry = hdfs + "/killed";
        ChildMain first = retrainChild(registry, "d1");
        assertEquals(0, first.finish(), first.log());
        // The second run is killed (SIGKILL) the moment it says it promotes; its lease is 3 s.
        ChildMain second = retrainChild(registry, "d2", "retrain.lockLeaseSeconds=3");
        assertTrue(second.await("promoting version 2", 300), second.log());
        second.process().destroyForcibly().waitFor();
        ModelRegistry r = ModelRegistry.open(registry, false, new Configuration());
        int champion = r.champion().orElseThrow();
        assertTrue(champion == 1 || champion == 2, "champion " + champion);
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(r.versionPath(champion), "model.zip"))) {
            assertEquals(10, ModelFiles.read(in).description().orElseThrow().classes());
        }
        // The killed run's lock is left unless the kill came after it let go; either way the next cycle proceeds
        // once the lease has run out.
        Thread.sleep(3500);
        assertEquals(ExitCode.OK, retrain(registry, "c1", "retrain.lockWaitSeconds=30"), CLI.stderr());
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(r.root(), "lock.json")));
    }

    private static double accuracy(ModelRegistry r, int version) throws IOException {
        return ((Number) ((Map<?, ?>) r.read(version, "metrics.json").get("test")).get("accuracy")).doubleValue();
    }

    /** {@code sparktrain retrain} in a JVM of its own. */
    private static ChildMain retrainChild(String registry, String data, String... sets) throws IOException {
        List<String> args = new ArrayList<>(List.of("retrain", "conf/mnist-cnn.conf", "--registry", registry,
                "--set", "data.dir=" + hdfs + "/data/" + data, "--set", "training.epochs=1", "--set",
                "training.workers=1"));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return ChildMain.start(args);
    }
}
