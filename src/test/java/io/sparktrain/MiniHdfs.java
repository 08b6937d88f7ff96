package io.sparktrain;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real one-datanode HDFS (Hadoop's {@link MiniDFSCluster}) for tests, on loopback.
 *
 * @param cluster the running cluster; {@link #close()} stops it
 * @param fs a client of it
 * @param uri {@code hdfs://127.0.0.1:PORT}, the prefix of the paths a job names
 */
public record MiniHdfs(MiniDFSCluster cluster, FileSystem fs, String uri) implements AutoCloseable {

    /** Formats and starts a cluster keeping its blocks under {@code baseDir}, and waits until it serves. */
    public static MiniHdfs start(Path baseDir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
        cluster.waitActive();
        return new MiniHdfs(cluster, cluster.getFileSystem(), "hdfs://127.0.0.1:" + cluster.getNameNodePort());
    }

    @Override
    public void close() {
        cluster.shutdown();
    }
}
