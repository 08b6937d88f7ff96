package io.sparktrain.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lock on a registry, held by one run: a file created only if absent (atomic on HDFS; on the local file
 * system through the operating system's create-exclusive), holding its owner and a lease. The holder renews the lease
 * from a background thread; a lock whose lease ran out was left by a killed run, and the next run breaks it by
 * renaming it aside (only one breaker's rename can succeed) before taking its own.
 */
final class RegistryLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryLock.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path file;
    private final String owner;
    private final int leaseSeconds;
    private final Thread renewer;
    private volatile boolean held = true;

    private RegistryLock(FileSystem fs, Path file, String owner, int leaseSeconds) {
        this.fs = fs;
        this.file = file;
        this.owner = owner;
        this.leaseSeconds = leaseSeconds;
        this.renewer = new Thread(this::renewLoop, "sparktrain-registry-lease");
        renewer.setDaemon(true);
        renewer.start();
    }

    /**
     * Takes the lock at {@code file}, waiting up to {@code waitSeconds} for another holder.
     *
     * @throws RegistryLockedException when another run still holds it after the wait
     */
    static RegistryLock acquire(FileSystem fileSystem, Path file, int leaseSeconds, int waitSeconds)
            throws IOException {
        FileSystem fs = unchecked(fileSystem);
        String owner = UUID.randomUUID().toString();
        long deadline = System.currentTimeMillis() + waitSeconds * 1000L;
        while (true) {
            if (create(fs, file, record(owner, leaseSeconds))) {
                LOG.info("registry lock {} taken by {}", file, owner);
                return new RegistryLock(fs, file, owner, leaseSeconds);
            }
            Map<String, Object> current = read(fs, file, leaseSeconds);
            if (current != null && ((Number) current.get("expires")).longValue() < System.currentTimeMillis()) {
                Path aside = new Path(file.getParent(), file.getName() + ".stale-" + UUID.randomUUID());
                if (fs.rename(file, aside)) {
                    LOG.warn("broke the stale registry lock of {} on {} (lease ran out at {})", current.get("owner"),
                            current.get("host"), Instant.ofEpochMilli(((Number) current.get("expires")).longValue()));
                    fs.delete(aside, false);
                }
                continue;
            }
            if (System.currentTimeMillis() >= deadline) {
                throw new RegistryLockedException("registry " + file.getParent() + " is locked by another run"
                        + (current == null ? "" : " (" + current.get("host") + ", pid " + current.get("pid")
                        + ", lease until " + Instant.ofEpochMilli(((Number) current.get("expires")).longValue()) + ")")
                        + "; retry later or raise retrain.lockWaitSeconds");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + file, e);
            }
        }
    }

    /** True while this run still owns the lock (false if its lease ran out and another run broke it). */
    boolean held() {
        try {
            Map<String, Object> current = read(fs, file, leaseSeconds);
            return held && current != null && owner.equals(current.get("owner"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        held = false;
        renewer.interrupt();
        Map<String, Object> current = read(fs, file, leaseSeconds);
        if (current != null && owner.equals(current.get("owner"))) {
            fs.delete(file, false);
        }
    }

    private void renewLoop() {
        while (held) {
            try {
                Thread.sleep(Math.max(1, leaseSeconds / 3) * 1000L);
                Map<String, Object> current = read(fs, file, leaseSeconds);
                if (!held || current == null || !owner.equals(current.get("owner"))) {
                    return;
                }
                Path next = new Path(file.getParent(), file.getName() + ".renew-" + UUID.randomUUID());
                try (OutputStream out = fs.create(next, false)) {
                    JSON.writeValue(out, record(owner, leaseSeconds));
                }
                replace(fs, next, file);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                LOG.warn("cannot renew the registry lock {}: {}", file, e.toString());
            }
        }
    }

    /**
     * The local file system without its checksum files: Hadoop's checksummed local file system renames a file and its
     * {@code .crc} one after the other, so a reader between the two would see a renewed lease with the old checksum.
     * The raw one renames in one step, as HDFS does.
     */
    private static FileSystem unchecked(FileSystem fs) {
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** Renames {@code from} over {@code to} in one atomic step. */
    private static void replace(FileSystem fs, Path from, Path to) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            Files.move(local.pathToFile(from).toPath(), local.pathToFile(to).toPath(),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else {
            FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(from, to, Options.Rename.OVERWRITE);
        }
    }

    private static Map<String, Object> record(String owner, int leaseSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        m.put("host", host);
        m.put("pid", ManagementFactory.getRuntimeMXBean().getPid());
        m.put("renewed", System.currentTimeMillis());
        m.put("expires", System.currentTimeMillis() + leaseSeconds * 1000L);
        return m;
    }

    /** Creates {@code file} with {@code content} only if it does not exist; false if it does. */
    private static boolean create(FileSystem fs, Path file, Map<String, Object> content) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(content);
        if (fs instanceof RawLocalFileSystem local) {
            // Hadoop's local create checks and creates in two steps; the OS's create-exclusive is one.
            try {
                Files.write(local.pathToFile(file).toPath(), bytes, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        }
        try (OutputStream out = fs.create(file, false)) {
            out.write(bytes);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(file)) {
                return false;
            }
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(FileSystem fs, Path file, int leaseSeconds) throws IOException {
        try (InputStream in = fs.open(file)) {
            return JSON.readValue(in, Map.class);
        } catch (java.io.FileNotFoundException e) {
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Being written by its creator this moment, or left half-written by a killed one: held until a lease
            // (this run's) after it was last modified.
            Map<String, Object> partial = new LinkedHashMap<>();
            partial.put("owner", "?");
            partial.put("host", "?");
            partial.put("pid", "?");
            partial.put("expires", fs.getFileStatus(file).getModificationTime() + leaseSeconds * 1000L);
            return partial;
        }
    }
}
