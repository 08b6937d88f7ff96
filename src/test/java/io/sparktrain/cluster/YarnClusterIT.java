package io.sparktrain.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.MiniHdfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code submit-yarn.sh client} and {@code cluster} on a real YARN: Hadoop's {@link MiniYARNCluster} (a
 * ResourceManager and a NodeManager in this JVM, the driver, ApplicationMaster and executors in containers of their
 * own JVMs) with a real HDFS ({@link MiniHdfs}) as the cluster's file system, the scripts finding both through a
 * {@code HADOOP_CONF_DIR} written here, as on a Hadoop client machine. Reads a subset of real MNIST from HDFS and
 * writes the run back there. Needs {@code target/sparktrain.jar}, so it runs in the integration-test phase of
 * {@code mvn verify}.
 */
@Tag("cluster")
class YarnClusterIT {
    private static final Path ROOT = Running.ROOT;
    /** Where submit-yarn.sh finds (or builds) Spark: the home StandaloneClusterIT's cluster-up.sh builds. */
    private static final Path CLUSTER_DIR = ROOT.resolve("target/cluster-test");
    private static final Path WORK = ROOT.resolve("target/yarn-test");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MiniHdfs hdfs;
    private static MiniYARNCluster yarn;
    private static Path hadoopConf;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isRegularFile(ROOT.resolve("target/sparktrain.jar")), "run mvn package first");
        hdfs = MiniHdfs.start(WORK.resolve("dfs"));
        Running.putMnist(hdfs.fs(), "/mnist", 2048, 200);

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", hdfs.uri());
        // One NodeManager with room for an ApplicationMaster and two executors of 1 GB heap + 2 GB overhead (YARN
        // accounts memory, it does not hold it); no memory policing, and no disk check (a nearly full disk would
        // take the NodeManager's local directories away).
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, 12288);
        conf.setInt(YarnConfiguration.NM_VCORES, 4);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        // The capacity scheduler's one queue (a cluster's capacity-scheduler.xml), its applications' masters
        // allowed half of it (a cluster-mode driver is one: 1 GB heap + 2 GB overhead).
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
        // The JVM containers start with, as a NodeManager's hadoop-env.sh would give it.
        conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, "JAVA_HOME=" + System.getProperty("java.home"));
        yarn = new MiniYARNCluster("yarn-test", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // start() can return before the ResourceManager has put its bound port into the configuration.
        Configuration started = yarn.getConfig();
        for (int i = 0; i < 300 && started.get(YarnConfiguration.RM_ADDRESS).endsWith(":0"); i++) {
            Thread.sleep(100);
        }
        assertFalse(started.get(YarnConfiguration.RM_ADDRESS).endsWith(":0"), "the ResourceManager has no address");

        // The client's Hadoop configuration: HDFS as the default file system (Spark's staging directory is there),
        // the ResourceManager's addresses. Spark ships this directory to the containers too.
        hadoopConf = Files.createDirectories(WORK.resolve("hadoop-conf"));
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", hdfs.uri());
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("core-site.xml"))) {
            core.writeXml(out);
        }
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
            started.writeXml(out);
        }
    }

    @AfterAll
    static void stop() {
        if (yarn != null) {
            yarn.stop();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    /** submit-yarn.sh in {@code mode}: two one-core executors of 1 GB, one epoch on 1024 MNIST examples. */
    private static Running submit(String mode, String out) throws IOException {
        List<String> command = new ArrayList<>(List.of("submit-scripts/submit-yarn.sh", mode, "conf/mnist-cnn.conf",
                "--set", "data.dir=" + hdfs.uri() + "/mnist", "--set", "data.trainLimit=1024",
                "--set", "training.epochs=1", "--set", "training.batchSizePerWorker=16",
                "--set", "training.averagingFrequency=4", "--out", hdfs.uri() + out));
        // The NodeManager runs on this machine: containers take Spark's jars from the local Spark home instead of
        // an upload of them on every submission; the application jar is uploaded as on any cluster.
        String sparkJars = "local:" + CLUSTER_DIR.resolve("spark-home/jars") + "/*";
        return Running.start(command, Map.of("HADOOP_CONF_DIR", hadoopConf.toString(),
                "SPARKTRAIN_CLUSTER_DIR", CLUSTER_DIR.toString(), "EXECUTOR_MEMORY", "1g", "DRIVER_MEMORY", "1g",
                "NATIVE_MEMORY", "1g", "SPARK_SUBMIT_OPTS_EXTRA", "--conf spark.yarn.jars=" + sparkJars,
                // A client-mode driver on loopback, like the NodeManager's containers.
                "SPARK_LOCAL_IP", "127.0.0.1"));
    }

    private static JsonNode metrics(String run) throws IOException {
        try (InputStream in = hdfs.fs().open(new org.apache.hadoop.fs.Path(run + "/metrics.json"))) {
            return JSON.readTree(in);
        }
    }

    /** The run folder's files, the model trained on both executors, their kernels checked and limited. */
    private static JsonNode checkRun(String run) throws IOException {
        FileSystem fs = hdfs.fs();
        for (String file : List.of("model.zip", "metrics.json", "config.conf")) {
            assertTrue(fs.getFileStatus(new org.apache.hadoop.fs.Path(run + "/" + file)).getLen() > 0, run + file);
        }
        JsonNode m = metrics(run);
        assertEquals("yarn", m.get("spark").get("master").asText());
        assertTrue(m.get("spark").get("applicationId").asText().startsWith("application_"), m.get("spark").toString());
        // The first 1024 of the 2048 training examples on HDFS (data.trainLimit), one epoch: far above chance (0.1).
        assertEquals(1024, m.get("throughput").get("trainExamples").asLong());
        assertEquals(200, m.get("test").get("examples").asInt());
        assertTrue(m.get("test").get("accuracy").asDouble() > 0.8, m.get("test").toString());
        Set<String> executors = new HashSet<>();
        m.get("rounds").forEach(r -> r.get("workers").forEach(w -> executors.add(w.get("executorId").asText())));
        assertEquals(2, executors.size(), "both executors trained: " + executors);
        assertFalse(executors.contains("driver"));
        JsonNode kernels = m.get("kernels");
        assertEquals(2, kernels.size());
        for (JsonNode k : kernels) {
            k.get("checks").forEach(c -> assertTrue(c.get("passed").asBoolean(), "self-check: " + k));
            // ND4J's limits by README "Memory" for EXECUTOR_MEMORY=1g NATIVE_MEMORY=1g, in YARN's containers.
            assertEquals(1024L << 20, k.get("memory").get("maxBytes").asLong(), k.toString());
            assertEquals(2560L << 20, k.get("memory").get("maxPhysicalBytes").asLong(), k.toString());
            assertEquals(Running.JEMALLOC_INSTALLED ? "jemalloc" : "libc", k.get("memory").get("malloc").asText(),
                    k.toString());
        }
        return m;
    }

    @Test
    void clientAndClusterModeTrainFromHdfsOnYarnAndAgree() throws Exception {
        Running client = submit("client", "/runs/yarn-client");
        client.finish(600);
        // client mode: the driver is the local spark-submit JVM, whose log shows the training.
        assertTrue(client.saw("ProgressDisplay: epoch 1/1 round "), String.join("\n", client.lines()));
        JsonNode clientRun = checkRun("/runs/yarn-client");

        Running cluster = submit("cluster", "/runs/yarn-cluster");
        cluster.finish(600);
        // cluster mode: spark-submit follows the application to its end in YARN.
        assertTrue(cluster.saw("final status: SUCCEEDED"), String.join("\n", cluster.lines()));
        JsonNode clusterRun = checkRun("/runs/yarn-cluster");

        // The same job, seed and shards: the same arithmetic wherever the driver runs.
        assertEquals(clientRun.get("rounds").size(), clusterRun.get("rounds").size());
        for (int i = 0; i < clientRun.get("rounds").size(); i++) {
            assertEquals(clientRun.get("rounds").get(i).get("trainLoss").asDouble(),
                    clusterRun.get("rounds").get(i).get("trainLoss").asDouble(), 1e-6, "round " + i);
        }
        assertEquals(clientRun.get("test").get("loss").asDouble(), clusterRun.get("test").get("loss").asDouble(),
                1e-6);
    }
}
