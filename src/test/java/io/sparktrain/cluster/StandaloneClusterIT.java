package io.sparktrain.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.MiniHdfs;
import io.sparktrain.SparkTestContext;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.pipeline.TrainingJob;
import io.sparktrain.data.ControlCharts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The application jar under spark-submit on a real Spark standalone cluster (a master and two workers in their own
 * JVMs, executors in theirs, started by {@code submit-scripts/cluster-up.sh}), reading a subset of real MNIST from
 * and writing the run to a real HDFS (NameNode and DataNode in this JVM). Needs {@code target/sparktrain.jar}, so it
 * runs in the integration-test phase of {@code mvn verify}.
 */
@Tag("cluster")
class StandaloneClusterIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path CLUSTER_DIR = ROOT.resolve("target/cluster-test");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXECUTOR_ID = Pattern.compile("--executor-id (\\S+)");

    private static MiniDFSCluster dfs;
    private static FileSystem fs;
    private static String hdfs;
    private static String master;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isRegularFile(ROOT.resolve("target/sparktrain.jar")), "run mvn package first");
        MiniHdfs started = MiniHdfs.start(ROOT.resolve("target/minidfs"));
        dfs = started.cluster();
        fs = started.fs();
        hdfs = started.uri();

        // A small subset of real MNIST (fetched with the project's own script when missing) goes to HDFS.
        Running.putMnist(fs, "/mnist", 512, 100);

        Running up = run(List.of("submit-scripts/cluster-up.sh", "--workers", "2",
                "--port", "" + freePort(), "--ui-port", "" + freePort()), Map.of());
        up.finish(300);
        master = up.lines().get(up.lines().size() - 1).strip();
        assertTrue(master.startsWith("spark://"), master);
    }

    @AfterAll
    static void stop() throws Exception {
        run(List.of("submit-scripts/cluster-down.sh"), Map.of()).process().waitFor(120, TimeUnit.SECONDS);
        if (dfs != null) {
            dfs.shutdown();
        }
    }

    /** A launch script with this cluster's directory in its environment, unless {@code env} names another. */
    private static Running run(List<String> command, Map<String, String> env) throws IOException {
        Map<String, String> all = new HashMap<>(Map.of("SPARKTRAIN_CLUSTER_DIR", CLUSTER_DIR.toString()));
        all.putAll(env);
        return Running.start(command, all);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** spark-submit through submit-standalone.sh with two one-core executors. */
    private static Running submit(String out, String... sets) throws IOException {
        List<String> all = new ArrayList<>(List.of("training.batchSizePerWorker=16"));
        all.addAll(List.of(sets));
        return submitJob("conf/mnist-cnn.conf", hdfs + "/mnist", out, all.toArray(String[]::new));
    }

    /** spark-submit of {@code job} on {@code dataDir}, writing to {@code out} on HDFS. */
    private static Running submitJob(String job, String dataDir, String out, String... sets) throws IOException {
        List<String> command = new ArrayList<>(List.of("submit-scripts/submit-standalone.sh", job,
                "--set", "data.dir=" + dataDir, "--out", hdfs + out));
        for (String s : sets) {
            command.add("--set");
            command.add(s);
        }
        return run(command, clusterEnvironment());
    }

    /** The launch scripts' environment for this cluster: two one-core executors of 1 GB. */
    private static Map<String, String> clusterEnvironment() {
        return Map.of("SPARK_MASTER_URL", master, "EXECUTOR_MEMORY", "1g", "DRIVER_MEMORY", "1g", "NATIVE_MEMORY",
                "1g", "SPARK_SUBMIT_OPTS_EXTRA", "--total-executor-cores 2");
    }

    private static JsonNode metrics(String run) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(run + "/metrics.json"))) {
            return JSON.readTree(in);
        }
    }

    private static Set<String> executorsOf(JsonNode round) {
        Set<String> ids = new HashSet<>();
        round.get("workers").forEach(w -> ids.add(w.get("executorId").asText()));
        return ids;
    }

    @Test
    void clusterRunReadsAndWritesHdfsUsesBothExecutorsAndMatchesLocalMode() throws Exception {
        Running job = submit("/runs/cluster", "training.epochs=1", "training.averagingFrequency=2");
        job.finish(300);
        // Not a terminal: progress as log lines, the last round of the epoch among them (512 examples, 2 shards of
        // 256 = 16 minibatches of 16 each, averaging every 2: 8 rounds).
        assertTrue(job.saw("ProgressDisplay: epoch 1/1 round 8/8: train loss "), String.join("\n", job.lines()));
        assertTrue(fs.getFileStatus(new org.apache.hadoop.fs.Path("/runs/cluster/model.zip")).getLen() > 0);
        JsonNode cluster = metrics("/runs/cluster");
        assertTrue(cluster.get("spark").get("master").asText().startsWith("spark://"));
        Set<String> executors = new HashSet<>();
        cluster.get("rounds").forEach(r -> executors.addAll(executorsOf(r)));
        assertEquals(2, executors.size(), "both executors trained: " + executors);
        assertFalse(executors.contains("driver"));

        // The same job in local mode: same seed, same shards, same HDFS data.
        TrainingJob.run(JobConfigLoader.load("conf/mnist-cnn.conf", List.of("data.dir=" + hdfs + "/mnist",
                "training.batchSizePerWorker=16", "training.averagingFrequency=2", "training.epochs=1"),
                new Configuration()), hdfs + "/runs/local", SparkTestContext.conf("local[2]"));
        JsonNode local = metrics("/runs/local");
        assertEquals(local.get("rounds").size(), cluster.get("rounds").size());
        // The same arithmetic in other JVMs; stated tolerance 1e-6 on every round's driver-aggregated loss.
        for (int i = 0; i < local.get("rounds").size(); i++) {
            assertEquals(local.get("rounds").get(i).get("trainLoss").asDouble(),
                    cluster.get("rounds").get(i).get("trainLoss").asDouble(), 1e-6, "round " + i);
        }
        assertEquals(local.get("test").get("loss").asDouble(), cluster.get("test").get("loss").asDouble(), 1e-6);

        // The saved model evaluated and scored on the cluster, from and to HDFS.
        Running evaluate = run(List.of("submit-scripts/submit-standalone.sh", "evaluate",
                hdfs + "/runs/cluster"), clusterEnvironment());
        evaluate.finish(300);
        assertTrue(evaluate.saw(String.format("test accuracy %.4f, test loss %.4f on 100 examples",
                cluster.get("test").get("accuracy").asDouble(), cluster.get("test").get("loss").asDouble())),
                String.join("\n", evaluate.lines()));
        Running predict = run(List.of("submit-scripts/submit-standalone.sh", "predict",
                hdfs + "/runs/cluster", "--data", hdfs + "/mnist/t10k-images-idx3-ubyte", "--out",
                hdfs + "/predictions.csv"), clusterEnvironment());
        predict.finish(300);
        List<String> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(
                new org.apache.hadoop.fs.Path("/predictions.csv")), StandardCharsets.UTF_8))) {
            in.lines().forEach(rows::add);
        }
        assertEquals(101, rows.size());
        assertEquals("99", rows.get(100).split(",")[0]);
    }

    @Test
    void csvSequenceJobOnHdfsTrainsOnBothExecutorsWithTheLossOfLocalMode() throws Exception {
        // Variable sequences cross JVMs as cached shards; the CSV files are written to and read from HDFS.
        ControlCharts.write(hdfs + "/control-charts", 20, 10, 3, fs.getConf());
        String[] sets = {"training.epochs=2", "training.batchSizePerWorker=10"};
        submitJob("conf/control-chart-lstm.conf", hdfs + "/control-charts", "/runs/cc-cluster", sets).finish(300);
        JsonNode cluster = metrics("/runs/cc-cluster");
        Set<String> executors = new HashSet<>();
        cluster.get("rounds").forEach(r -> executors.addAll(executorsOf(r)));
        assertEquals(2, executors.size(), "both executors trained: " + executors);
        assertEquals(60, cluster.get("test").get("examples").asInt());

        TrainingJob.run(JobConfigLoader.load("conf/control-chart-lstm.conf", List.of("data.dir=" + hdfs
                + "/control-charts", sets[0], sets[1]), new Configuration()), hdfs + "/runs/cc-local",
                SparkTestContext.conf("local[2]"));
        JsonNode local = metrics("/runs/cc-local");
        assertEquals(local.get("rounds").size(), cluster.get("rounds").size());
        for (int i = 0; i < local.get("rounds").size(); i++) {
            assertEquals(local.get("rounds").get(i).get("trainLoss").asDouble(),
                    cluster.get("rounds").get(i).get("trainLoss").asDouble(), 1e-6, "round " + i);
        }
    }

    @Test
    void executorKilledMidRunIsReplacedAndEachRoundIsCountedOnce() throws Exception {
        Running job = submit("/runs/killed", "training.epochs=3", "training.averagingFrequency=1");
        String victimId = null;
        for (int i = 0; i < 600 && victimId == null; i++) {
            Thread.sleep(200);
            // The first round's progress line (always logged; later ones come at most every 5 s).
            if (job.saw("ProgressDisplay: epoch 1/3 round 1/")) {
                Process p = new ProcessBuilder("pgrep", "-af", "CoarseGrainedExecutorBackend").start();
                for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    Matcher m = EXECUTOR_ID.matcher(line);
                    if (line.contains(CLUSTER_DIR.toString()) && m.find()) {
                        victimId = m.group(1);
                        new ProcessBuilder("kill", "-9", line.split(" ")[0]).start().waitFor();
                        break;
                    }
                }
            }
        }
        assertTrue(victimId != null, "no executor to kill: " + String.join("\n", job.lines()));
        job.finish(600);

        JsonNode m = metrics("/runs/killed");
        // 512 examples in 2 shards of 256 = 16 minibatches of 16 per worker, one per round: 16 rounds per epoch.
        assertEquals(48, m.get("rounds").size());
        for (JsonNode round : m.get("rounds")) {
            assertEquals(32, round.get("examples").asLong(), "each round counted once: " + round);
            assertEquals(2, round.get("workers").size());
        }
        assertEquals(3 * 512, m.get("throughput").get("trainExamples").asLong());
        assertTrue(executorsOf(m.get("rounds").get(0)).contains(victimId), "the victim worked before it died");
        JsonNode last = m.get("rounds").get(47);
        assertFalse(executorsOf(last).contains(victimId), "the victim is gone at the end: " + last);
    }

    @Test
    void aSubmissionWithoutTheClusterSecretIsRefusedOneWithItTrainsAndTheSecretLeaksNowhere() throws Exception {
        Path auth = CLUSTER_DIR.resolve("conf/spark-auth.conf");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(auth));
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(auth.getParent()));
        String secret = Files.readAllLines(auth).stream().filter(l -> l.startsWith("spark.authenticate.secret "))
                .map(l -> l.substring(l.indexOf(' ') + 1).strip()).findFirst().orElseThrow();
        assertTrue(secret.matches("[0-9a-f]{64}"), "32 random bytes in hex");

        // A client with Spark and the job but not the cluster's directory, hence not its secret; at the same time an
        // ordinary submission (the secret through submit.sh), so the refused driver's 60 s of retries cost no time.
        Map<String, String> outsider = new HashMap<>(clusterEnvironment());
        outsider.put("SPARKTRAIN_CLUSTER_DIR", Files.createTempDirectory("not-the-cluster").toString());
        outsider.put("SPARK_HOME", CLUSTER_DIR.resolve("spark-home").toString());
        Running refused = run(List.of("submit-scripts/submit-standalone.sh", "conf/mnist-cnn.conf",
                "--set", "data.dir=" + hdfs + "/mnist", "--set", "training.epochs=1", "--out", hdfs + "/runs/refused"),
                outsider);
        Running job = submit("/runs/authenticated", "training.epochs=1", "training.averagingFrequency=2");

        // While it trains: no process shows the secret in its arguments, the driver's JVM got its memory settings
        // from the launcher, and the driver's UI (environment page, JSON API) shows the key redacted.
        for (int i = 0; i < 900 && !job.saw("ProgressDisplay: epoch 1/1 round 1/"); i++) {
            Thread.sleep(200);
        }
        assertTrue(job.saw("ProgressDisplay: epoch 1/1 round 1/"), String.join("\n", job.lines()));
        List<String> processes = List.of(new String(new ProcessBuilder("ps", "-ww", "-eo", "args").start()
                .getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        assertTrue(processes.stream().filter(p -> p.contains("CoarseGrainedExecutorBackend")
                && p.contains(CLUSTER_DIR.toString())).count() >= 2, "executors running: " + processes);
        assertEquals(List.of(), processes.stream().filter(p -> p.contains(secret)).toList());
        String driver = processes.stream().filter(p -> p.contains("org.apache.spark.deploy.SparkSubmit")
                && p.contains("/runs/authenticated")).findFirst().orElseThrow();
        List<String> driverJvm = List.of(driver.substring(0, driver.indexOf(" org.apache.spark.deploy.SparkSubmit"))
                .split(" "));
        assertTrue(driverJvm.containsAll(List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1024m",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=2560m")), "DRIVER_MEMORY=1g NATIVE_MEMORY=1g: " + driverJvm);
        Matcher ui = Pattern.compile("Successfully started service 'SparkUI' on port (\\d+)")
                .matcher(String.join("\n", job.lines()));
        assertTrue(ui.find(), String.join("\n", job.lines()));
        HttpClient http = HttpClient.newHttpClient();
        String api = "http://127.0.0.1:" + ui.group(1) + "/api/v1/applications";
        String appId = JSON.readTree(get(http, api)).get(0).get("id").asText();
        String environment = get(http, api + "/" + appId + "/environment");
        assertTrue(environment.contains("spark.authenticate.secret"), environment);
        assertFalse(environment.contains(secret));
        job.finish(300);

        assertTrue(fs.getFileStatus(new org.apache.hadoop.fs.Path("/runs/authenticated/model.zip")).getLen() > 0);
        // ND4J's limits by README "Memory" for EXECUTOR_MEMORY=1g NATIVE_MEMORY=1g, on each executor.
        JsonNode kernels = metrics("/runs/authenticated").get("kernels");
        assertEquals(2, kernels.size());
        for (JsonNode k : kernels) {
            assertEquals(1024L << 20, k.get("memory").get("maxBytes").asLong(), k.toString());
            assertEquals(2560L << 20, k.get("memory").get("maxPhysicalBytes").asLong(), k.toString());
            // submit.sh preloads jemalloc on the executors where it is installed (CI installs it): glibc's malloc
            // lets LSTM executors' resident memory grow (docs/reliability.md, "Flat memory").
            assertEquals(Running.JEMALLOC_INSTALLED ? "jemalloc" : "libc", k.get("memory").get("malloc").asText(),
                    k.toString());
        }

        assertEquals(9, refused.end(300), "refused: " + String.join("\n", refused.lines()));
        assertTrue(refused.saw("Unknown challenge message"), String.join("\n", refused.lines()));
        assertTrue(refused.saw("sparktrain: Spark stopped the application before any executor started"),
                String.join("\n", refused.lines()));
        assertTrue(refused.saw("All masters are unresponsive! Giving up."), String.join("\n", refused.lines()));
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/runs/refused")));

        // Nor in any log (the daemons', the executors' under work/), run file, or either submission's output.
        List<String> leaks = new ArrayList<>();
        for (String dir : List.of("logs", "work")) {
            try (var files = Files.walk(CLUSTER_DIR.resolve(dir))) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".jar")).toList()) {
                    if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(secret)) {
                        leaks.add(f.toString());
                    }
                }
            }
        }
        var runFiles = fs.listFiles(new org.apache.hadoop.fs.Path("/runs/authenticated"), true);
        int checked = 0;
        while (runFiles.hasNext()) {
            org.apache.hadoop.fs.Path f = runFiles.next().getPath();
            try (InputStream in = fs.open(f)) {
                if (new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).contains(secret)) {
                    leaks.add(f.toString());
                }
            }
            checked++;
        }
        assertTrue(checked >= 3, "run files: " + checked);
        if (String.join("\n", job.lines()).contains(secret) || String.join("\n", refused.lines()).contains(secret)) {
            leaks.add("a submission's output");
        }
        assertEquals(List.of(), leaks);
    }

    private static String get(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }
}
