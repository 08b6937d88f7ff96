package io.sparktrain.data;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * How long reading a job's data may wait on a file system that does not answer. Hadoop's defaults wait minutes
 * (connection retries, RPC timeouts, pings that keep a silent call alive); a name node address that accepts
 * connections and never replies then looks like a hung job. {@link #bounded} caps every wait of the HDFS client and
 * the IPC layer under it at {@code data.timeoutSeconds}, with no retries, so an attempt fails within a small multiple
 * of it.
 */
public final class DataAccess {

    /** The key the bound is set with, for messages. */
    public static final String KEY = "data.timeoutSeconds";

    private DataAccess() {
    }

    /**
     * A copy of {@code base} whose file-system clients give up after {@code seconds}.
     *
     * <p>The settings are read when a file system client is created; Hadoop caches clients per scheme and
     * authority, so they apply to the first use of a data URI in this JVM.
     */
    public static Configuration bounded(Configuration base, int seconds) {
        Configuration conf = new Configuration(base);
        String ms = Integer.toString(seconds * 1000);
        // IPC: connecting, and waiting for each call's answer (a ping would otherwise keep a silent call alive).
        conf.set("ipc.client.connect.timeout", ms);
        conf.setInt("ipc.client.connect.max.retries", 0);
        conf.setInt("ipc.client.connect.max.retries.on.timeouts", 0);
        conf.set("ipc.client.connect.retry.interval", "100");
        conf.set("ipc.client.rpc-timeout.ms", ms);
        conf.set("ipc.ping.interval", ms);
        conf.setBoolean("ipc.client.ping", false);
        // HDFS client: reading from data nodes, and no retry policy or failover loop around a failed call.
        conf.set("dfs.client.socket-timeout", ms);
        conf.setBoolean("dfs.client.retry.policy.enabled", false);
        conf.setInt("dfs.client.failover.max.attempts", 0);
        conf.setInt("dfs.client.retry.max.attempts", 0);
        conf.setInt("dfs.client.max.block.acquire.failures", 1);
        // S3A and other object stores: connecting and waiting for a reply.
        conf.set("fs.s3a.connection.establish.timeout", ms);
        conf.set("fs.s3a.connection.timeout", ms);
        conf.setInt("fs.s3a.attempts.maximum", 1);
        conf.setInt("fs.s3a.retry.limit", 0);
        return conf;
    }

    /**
     * {@code e} restated in one line when what caused it is a file system that could not be reached, or did not
     * answer within {@code seconds} ({@link #KEY}); empty when it is about something else.
     */
    public static Optional<DataFormatException> asUnreachable(DataFormatException e, int seconds) {
        if (!unreachable(e)) {
            return Optional.empty();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String first = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        String why = root.getClass().getSimpleName() + ": "
                + (first.length() > 200 ? first.substring(0, 200) + "..." : first);
        return Optional.of(new DataFormatException(e.file(), root instanceof InterruptedIOException
                ? "no answer from its file system within " + KEY + " = " + seconds + " (" + why + ")"
                : "cannot reach its file system (" + why + ")", e));
    }

    /**
     * Bytes this thread has read through Hadoop file systems so far, all schemes together (Hadoop's per-thread
     * {@link org.apache.hadoop.fs.FileSystem.Statistics}): the difference around a load is what that load read.
     */
    @SuppressWarnings("deprecation") // getAllStatistics is the per-scheme view that has per-thread figures
    public static long threadBytesRead() {
        long bytes = 0;
        for (org.apache.hadoop.fs.FileSystem.Statistics s : org.apache.hadoop.fs.FileSystem.getAllStatistics()) {
            bytes += s.getThreadStatistics().getBytesRead();
        }
        return bytes;
    }

    /** Whether {@code e} (or what caused it) is a file system that could not be reached or did not answer in time. */
    public static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException
                    || t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }
}
