package io.sparktrain.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run set-up without training: Spark's set-up errors as one-line configuration errors, each process's own Spark
 * scratch folder, leftovers of dead processes removed (and live ones kept), default run folders that never collide.
 */
class SparkContextsTest {
    @TempDir
    Path tmp;

    /** The pid of a process that has ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    @Test
    void aMasterUrlOfNoKnownFormIsAConfigErrorNamingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> SparkContexts.open(new SparkConf().setMaster("bogus://x").setAppName("t")));
        assertTrue(e.getMessage().contains("spark.master bogus://x"), e.getMessage());
        assertTrue(SparkContexts.current().isEmpty(), "no context was started");
    }

    @Test
    void aHeapBelowSparksMinimumIsAConfigErrorOfOneLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> SparkContexts.open(new SparkConf()
                .setMaster("local[1]").setAppName("t").set("spark.testing.memory", String.valueOf(200L << 20))));
        assertTrue(e.getMessage().startsWith("Spark refused the memory it was given: the driver's heap is 200 MiB"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void sparksOwnMemoryRefusalIsRecognised() {
        String spark = "[INVALID_DRIVER_MEMORY] System memory 209715200 must be at least 471859200. Please increase "
                + "heap size using the --driver-memory option";
        var e = SparkContexts.setupError(new RuntimeException("wrapped", new IllegalArgumentException(spark)), "local");
        assertTrue(e.isPresent());
        assertEquals("Spark refused the memory it was given: " + spark, e.get().getMessage());
    }

    @Test
    void anS3aPathWithoutTheConnectorNamesTheJarsToAdd() {
        Exception e = assertThrows(RuntimeException.class,
                () -> new org.apache.hadoop.fs.Path("s3a://bucket/x").getFileSystem(new Configuration()));
        String message = SparkContexts.missingConnector(e).orElseThrow();
        String hadoop = org.apache.hadoop.util.VersionInfo.getVersion();
        assertTrue(message.contains("hadoop-aws-" + hadoop) && message.contains("aws-java-sdk-bundle"), message);
        ConfigException out = assertThrows(ConfigException.class,
                () -> RunOutput.prepare("s3a://bucket/run", new Configuration()));
        assertTrue(out.getMessage().startsWith("--out s3a://bucket/run: s3a:// paths need"), out.getMessage());
    }

    @Test
    void localContextsUseAScratchFolderOfTheirOwnUnlessOneIsSet() throws IOException {
        try (var sc = SparkContexts.open(new SparkConf().setMaster("local[1]").setAppName("scratch")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"))) {
            Path scratch = Path.of(sc.getConf().get("spark.local.dir"));
            assertEquals("sparktrain-" + ProcessHandle.current().pid(), scratch.getFileName().toString());
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")), scratch.getParent());
            assertTrue(Files.isDirectory(scratch));
            sc.parallelize(List.of(1, 2, 3)).count();
            try (var entries = Files.list(scratch)) {
                assertTrue(entries.anyMatch(p -> p.getFileName().toString().startsWith("blockmgr-")),
                        "Spark's block manager lives in it");
            }
        }
        SparkConf own = new SparkConf().setMaster("local[1]").set("spark.local.dir", tmp.toString());
        assertEquals(tmp.toString(), SparkContexts.withScratch(own).get("spark.local.dir"));
    }

    @Test
    void scratchFoldersOfDeadProcessesAreRemovedAndLiveOnesKept() throws Exception {
        Path dead = Files.createDirectories(tmp.resolve("sparktrain-" + deadPid()).resolve("blockmgr-x"));
        Path live = Files.createDirectories(tmp.resolve("sparktrain-1")); // init is alive
        Path other = Files.createDirectories(tmp.resolve("spark-unrelated"));
        SparkContexts.removeDeadScratch(tmp);
        assertFalse(Files.exists(dead.getParent()));
        assertTrue(Files.exists(live));
        assertTrue(Files.exists(other));
    }

    @Test
    void stagingLeftOverByADeadRunIsRemovedWhenTheNextRunPreparesItsParent() throws Exception {
        String me = "-" + ProcessHandle.current().pid() + "-";
        String mine = RunOutput.stagingName("run");
        String deadName = mine.replace(me, "-" + deadPid() + "-");
        String liveName = mine.replace(me, "-1-");
        Path parent = Files.createDirectories(tmp.resolve("runs"));
        for (String name : List.of(deadName, liveName, mine)) {
            Files.write(Files.createDirectories(parent.resolve(name)).resolve("model.zip"), new byte[] {1, 2});
        }
        Path foreign = Files.createDirectories(parent.resolve(".run.inprogress-" + "otherhost-" + deadPid()
                + "-0123abcd"));
        Path legacy = Files.createDirectories(parent.resolve(".run.inprogress-" + java.util.UUID.randomUUID()));
        RunOutput.prepare(parent.resolve("next").toString(), new Configuration());
        assertFalse(Files.exists(parent.resolve(deadName)), "a dead run's staging is removed");
        assertTrue(Files.exists(parent.resolve(liveName)), "a live process's staging stays");
        assertTrue(Files.exists(parent.resolve(mine)), "this process's own staging stays");
        assertTrue(Files.exists(foreign), "another host's staging stays");
        assertTrue(Files.exists(legacy), "staging of unknown owner stays");
    }

    @Test
    void defaultRunFoldersStartedInTheSameMillisecondDiffer() throws Exception {
        JobConfig job = JobConfigLoader.load("conf/mnist-cnn.conf", List.of(), new Configuration());
        Path runs = tmp.resolve("runs");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> made = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                made.add(pool.submit(() -> TrainingJob.defaultOut(job, runs)));
            }
            var names = ConcurrentHashMap.<String>newKeySet();
            for (Future<String> f : made) {
                String out = f.get();
                assertTrue(names.add(out), "two runs got " + out);
                assertTrue(Files.isDirectory(Path.of(out)));
                assertTrue(Path.of(out).getFileName().toString().matches("\\d{8}-\\d{6}-\\d{3}-mnist-cnn(-\\d+)?"),
                        out);
            }
        } finally {
            pool.shutdownNow();
        }
        assertNotEquals(0, FileSystem.getLocal(new Configuration()).listStatus(
                new org.apache.hadoop.fs.Path(runs.toUri())).length);
    }
}
