package io.sparktrain.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.MiniHdfs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job files on a real HDFS ({@code MiniDFSCluster}): includes resolve beside the including file, on HDFS. */
class JobFileOnHdfsTest {
    @TempDir
    static java.nio.file.Path tmp;
    private static MiniDFSCluster dfs;
    private static FileSystem fs;
    private static String hdfs;

    @BeforeAll
    static void startHdfs() throws IOException {
        MiniHdfs started = MiniHdfs.start(tmp.resolve("minidfs"));
        dfs = started.cluster();
        fs = started.fs();
        hdfs = started.uri();
    }

    @AfterAll
    static void stopHdfs() {
        if (dfs != null) {
            dfs.shutdown();
        }
    }

    private static String write(String path, String text) throws IOException {
        try (OutputStream out = fs.create(new Path(path), true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return hdfs + path;
    }

    /** Loads with the local file system as the default, as a launch on an edge node would: HDFS only by URI. */
    private static JobConfig load(String job) {
        Configuration conf = new Configuration(fs.getConf());
        conf.set("fs.defaultFS", "file:///");
        return JobConfigLoader.load(job, List.of(), conf);
    }

    private static String error(String job) {
        return assertThrows(ConfigException.class, () -> load(job)).getMessage();
    }

    @Test
    void includesResolveBesideTheJobFileOnHdfs() throws IOException {
        write("/jobs/base.conf", "training.epochs = 7\ninclude required(\"common/workers.conf\")\n");
        write("/jobs/common/workers.conf", "training.workers = 3\n");
        write("/shared/abs.conf", "training.batchSizePerWorker = 16\n");
        java.nio.file.Path local = Files.writeString(tmp.resolve("local.conf"), "training.averagingFrequency = 2\n");
        String job = write("/jobs/job.conf", "include \"base.conf\"\ninclude required(\"/shared/abs.conf\")\n"
                + "include required(\"" + local.toUri() + "\")\nname = on-hdfs\n");
        JobConfig config = load(job);
        assertEquals("on-hdfs", config.name());
        assertEquals(7, config.training().epochs());
        assertEquals(3, config.training().workers(), "an include inside an include resolves against its folder");
        assertEquals(16, config.training().batchSizePerWorker(), "an absolute path stays on the job's HDFS");
        assertEquals(2, config.training().averagingFrequency(), "a file: URI reads the local file");
    }

    @Test
    void aJobFileWithoutASchemeIsLocalWhereHdfsIsTheDefault() throws IOException {
        // A Hadoop client's configuration (HADOOP_CONF_DIR, as submit-yarn.sh needs) and a YARN container's make HDFS
        // the default file system; the job file the command names stays a local one, not the same path on HDFS.
        Configuration hdfsDefault = new Configuration(fs.getConf());
        hdfsDefault.set("fs.defaultFS", hdfs);
        java.nio.file.Path local = Files.writeString(tmp.resolve("edge.conf"), "name = local\n");
        write(local.toString(), "name = same-path-on-hdfs\n");
        assertEquals("local", JobConfigLoader.load(local.toString(), List.of(), hdfsDefault).name());
        assertEquals("mnist-cnn", JobConfigLoader.load("conf/mnist-cnn.conf", List.of(), hdfsDefault).name());
    }

    @Test
    void aMissingRequiredIncludeOnHdfsNamesBothFiles() throws IOException {
        String job = write("/missing/job.conf", "include required(\"base.conf\")\nname = x\n");
        assertEquals("config file " + hdfs + "/missing/base.conf (included by " + job + ") not found", error(job));
        String optional = write("/missing/optional.conf", "include \"base.conf\"\nname = x\n");
        assertEquals("x", load(optional).name());
    }

    @Test
    void cyclesAndFoldersOnHdfsAreOneLine() throws IOException {
        write("/cycle/a.conf", "include \"b.conf\"\nname = a\n");
        write("/cycle/b.conf", "include \"a.conf\"\n");
        assertTrue(error(hdfs + "/cycle/a.conf").startsWith("include cycle: a.conf -> b.conf -> a.conf ("),
                error(hdfs + "/cycle/a.conf"));
        fs.mkdirs(new Path("/folder"));
        assertEquals("config file " + hdfs + "/folder is a directory, not a job file", error(hdfs + "/folder"));
        assertEquals("config file " + hdfs + "/nope.conf not found", error(hdfs + "/nope.conf"));
    }

    @Test
    void anUnreadableJobFileSaysSoNotNotFound() throws Exception {
        String job = write("/private/job.conf", "name = x\n");
        fs.setPermission(new Path("/private/job.conf"), new org.apache.hadoop.fs.permission.FsPermission((short) 0600));
        String message = org.apache.hadoop.security.UserGroupInformation.createRemoteUser("someone-else").doAs(
                (java.security.PrivilegedExceptionAction<String>) () -> assertThrows(ConfigException.class,
                        () -> JobConfigLoader.load(job, List.of(), new Configuration(fs.getConf()))).getMessage());
        assertTrue(message.startsWith("config file " + job + ": cannot read: "), message);
        assertTrue(message.contains("Permission denied"), message);
        assertTrue(message.length() <= ConfigException.MAX_MESSAGE, message);
    }

    @Test
    void aHugeFileOnHdfsIsRefusedWithoutReadingItAll() throws IOException {
        Path big = new Path("/big.conf");
        try (OutputStream out = fs.create(big, true)) {
            byte[] comment = new byte[1 << 16];
            java.util.Arrays.fill(comment, (byte) '#');
            for (int i = 0; i < 40; i++) {
                out.write(comment);
            }
        }
        assertEquals("config file " + hdfs + "/big.conf is larger than 1 MiB; a job file is a few KB (wrong path?)",
                error(hdfs + "/big.conf"));
    }
}
