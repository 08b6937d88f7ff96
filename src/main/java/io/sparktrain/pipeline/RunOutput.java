package io.sparktrain.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparktrain.config.ConfigException;
import io.sparktrain.data.Vocabulary;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.ModelFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A run's output folder on any Hadoop file system: the contract every later command reads ({@link SavedModel}):
 * {@code model.zip} (plain DL4J, {@link ModelFiles}), {@code config.conf}, {@code metrics.json} and, for a text
 * model, {@code vocabulary.json}. Everything is written into a hidden sibling folder first and renamed into place at the end, so a failed run
 * leaves no half-written output where a pipeline would look for it.
 */
public final class RunOutput {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunOutput.class);
    /** The file names of the output contract. */
    public static final String MODEL = "model.zip";
    public static final String CONFIG = "config.conf";
    public static final String METRICS = "metrics.json";
    /** A registry version's provenance manifest. */
    public static final String MANIFEST = "manifest.json";
    /** A text model's characters, {@code {"characters": "..."}}. */
    public static final String VOCABULARY = "vocabulary.json";

    /** The metrics stream's file name: one JSON line per round and epoch, then the run's summary. */
    public static final String STREAM = "metrics.jsonl";

    private final Path target;
    private final FileSystem fs;
    private final Path staging;

    private RunOutput(Path target, FileSystem fs) {
        this.target = target;
        this.fs = fs;
        this.staging = new Path(target.getParent(), stagingName(target.getName()));
    }

    /**
     * Checks, before any training, that {@code uri} can receive a run: it must not exist, or be an empty folder, and
     * its parent must be a folder this process can write in (created if missing, probed with a file). Staging
     * folders that dead runs on this host left in the parent are removed ({@link #removeStale}).
     *
     * @throws ConfigException when {@code uri} is empty or holds something already (exit 2)
     * @throws java.io.UncheckedIOException when the parent cannot be created or written (exit 5), before any job
     */
    public static RunOutput prepare(String uri, Configuration hadoop) {
        if (uri == null || uri.isBlank()) {
            throw new ConfigException("--out must name a folder, got an empty value");
        }
        Path target;
        FileSystem fs;
        try {
            target = new Path(uri);
            fs = target.getFileSystem(hadoop);
            target = fs.makeQualified(target);
        } catch (IllegalArgumentException | IOException e) {
            throw new ConfigException("--out " + uri + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw SparkContexts.missingConnector(e).map(m -> new ConfigException("--out " + uri + ": " + m))
                    .orElseThrow(() -> e);
        }
        try {
            if (fs.exists(target)) {
                FileStatus status = fs.getFileStatus(target);
                if (!status.isDirectory() || fs.listStatus(target).length > 0) {
                    throw new ConfigException("--out " + uri + " already exists and is not an empty folder; "
                            + "choose another or remove it");
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("--out " + uri + ": " + e.getMessage(), e);
        }
        Path parent = target.getParent();
        if (parent == null) {
            throw new ConfigException("--out " + uri + " is a file system's root; name a folder under it");
        }
        requireWritableFolder(fs, parent, uri);
        removeStale(fs, parent);
        return new RunOutput(target, fs);
    }

    /**
     * Fails now, not after training, when {@code folder} cannot hold the run: an ancestor is a file, it cannot be
     * created, or a file cannot be created in it.
     */
    private static void requireWritableFolder(FileSystem fs, Path folder, String uri) {
        try {
            for (Path p = folder; p != null; p = p.getParent()) {
                if (fs.exists(p)) {
                    if (!fs.getFileStatus(p).isDirectory()) {
                        throw new IOException(p + " is a file, not a folder");
                    }
                    break;
                }
            }
            if (!fs.exists(folder) && !fs.mkdirs(folder)) {
                throw new IOException("cannot create the folder " + folder);
            }
            Path probe = new Path(folder, stagingName("probe"));
            fs.create(probe, false).close();
            fs.delete(probe, false);
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            String why = e instanceof org.apache.hadoop.fs.FSError && e.getCause() != null
                    ? e.getCause().getMessage() : e.getMessage();
            throw new java.io.UncheckedIOException("--out " + uri + ": cannot write in " + folder + ": " + why,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    private static final String OWNER = ownerTag();
    private static final java.util.regex.Pattern STAGING = java.util.regex.Pattern.compile(
            "\\..+\\.inprogress-(.+)-(\\d+)-[0-9a-f]{8}");

    /** This process as staging names record it: {@code host-pid}. */
    private static String ownerTag() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + ProcessHandle.current().pid();
    }

    /**
     * A hidden staging name for {@code name}: {@code .NAME.inprogress-HOST-PID-RANDOM}, so that a later run can tell
     * a dead run's leftover from a live run's work in progress.
     */
    static String stagingName(String name) {
        return "." + name + ".inprogress-" + OWNER + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Removes the staging folders and files in {@code folder} whose owner ran on this host and is gone (SIGKILL,
     * power loss); those of live processes, of other hosts, and of older naming are left alone. Best effort: a
     * leftover that cannot be removed is logged, not fatal.
     */
    static void removeStale(FileSystem fs, Path folder) {
        String host = OWNER.substring(0, OWNER.lastIndexOf('-'));
        try {
            for (FileStatus status : fs.listStatus(folder)) {
                java.util.regex.Matcher m = STAGING.matcher(status.getPath().getName());
                if (!m.matches() || !m.group(1).equals(host)) {
                    continue;
                }
                long pid = Long.parseLong(m.group(2));
                if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                        .orElse(false)) {
                    continue;
                }
                LOG.warn("removing {}, left by process {} of this host, which is gone", status.getPath(), pid);
                fs.delete(status.getPath(), true);
            }
        } catch (IOException e) {
            LOG.warn("could not clean staging leftovers in {}: {}", folder, e.getMessage());
        }
    }

    /** Where the run ends up. */
    public Path target() {
        return target;
    }

    /**
     * Opens {@code metrics.jsonl} in the staging folder, where it grows while the run trains (each line flushed, so
     * a tool can tail it); {@link #write} moves it into the run folder with the rest.
     */
    public MetricsStream stream() throws IOException {
        fs.mkdirs(staging);
        Path file = new Path(staging, STREAM);
        return new MetricsStream(file, fs.create(file, false));
    }

    /** Stages one more file, moved into the run folder by {@link #write} with the rest. */
    public void stage(String name, byte[] content) throws IOException {
        fs.mkdirs(staging);
        try (OutputStream out = fs.create(new Path(staging, name), false)) {
            out.write(content);
        }
    }

    /** Removes what a failed run staged; the target stays untouched. */
    public void abandon() {
        try {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("removing " + staging + ": " + e.getMessage(), e);
        }
    }

    /** Appends JSON lines to a run's metrics stream, flushing each. */
    public static final class MetricsStream implements AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final Path file;
        private final org.apache.hadoop.fs.FSDataOutputStream out;

        private MetricsStream(Path file, org.apache.hadoop.fs.FSDataOutputStream out) {
            this.file = file;
            this.out = out;
        }

        /** Where the stream is while the run trains. */
        public Path file() {
            return file;
        }

        /** {@code record}'s fields after {@code "type": type}, as one line. */
        public synchronized void append(String type, Object record) {
            try {
                com.fasterxml.jackson.databind.node.ObjectNode line = JSON.createObjectNode().put("type", type);
                line.setAll((com.fasterxml.jackson.databind.node.ObjectNode) JSON.valueToTree(record));
                out.write((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
                out.hflush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /**
     * Writes the three files and moves them into place.
     *
     * @param network the trained network (saved with its optimiser state in plain DL4J form, {@link ModelFiles})
     * @param description what the network reads and predicts
     * @param configText the effective configuration
     * @param metrics the metrics document
     * @param vocabulary a text model's characters
     */
    public void write(MultiLayerNetwork network, ModelDescription description, String configText,
                      Map<String, Object> metrics, Optional<Vocabulary> vocabulary) throws IOException {
        write(network, description, configText, metrics, vocabulary, Map.of());
    }

    /** As above, with a registry version's {@code manifest.json} when {@code manifest} is not empty. */
    public void write(MultiLayerNetwork network, ModelDescription description, String configText,
                      Map<String, Object> metrics, Optional<Vocabulary> vocabulary, Map<String, Object> manifest)
            throws IOException {
        try {
            fs.mkdirs(staging);
            try (OutputStream out = fs.create(new Path(staging, MODEL), false)) {
                ModelFiles.write(network, description, out);
            }
            try (OutputStream out = fs.create(new Path(staging, CONFIG), false)) {
                out.write(configText.getBytes(StandardCharsets.UTF_8));
            }
            try (OutputStream out = fs.create(new Path(staging, METRICS), false)) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, metrics);
            }
            if (!manifest.isEmpty()) {
                try (OutputStream out = fs.create(new Path(staging, MANIFEST), false)) {
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, manifest);
                }
            }
            if (vocabulary.isPresent()) {
                try (OutputStream out = fs.create(new Path(staging, VOCABULARY), false)) {
                    new ObjectMapper().writeValue(out, Map.of("characters", vocabulary.get().characters()));
                }
            }
            if (fs.exists(target)) {
                fs.delete(target, false); // the empty folder prepare() accepted
            }
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot rename " + staging + " to " + target);
            }
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }
}
