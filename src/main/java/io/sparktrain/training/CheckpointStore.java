package io.sparktrain.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's checkpoints in one folder on any Hadoop file system: {@code ckpt-NNNNNN/} (NNNNNN = rounds done), each
 * holding {@code state.bin} (the {@link Checkpoint}, Java-serialised) and {@code checkpoint.json} (its position,
 * identity and the SHA-256 and length of {@code state.bin}), written last. A checkpoint is written under a hidden
 * staging name and renamed into place, so a crash mid-write leaves the previous ones as they were; the newest
 * {@code keep} are kept. Reading skips, with a warning naming it, any checkpoint whose manifest is missing or
 * unreadable, whose state is missing, truncated or fails its checksum, or that does not deserialise.
 */
public final class CheckpointStore {
    static final String STATE = "state.bin";
    static final String MANIFEST = "checkpoint.json";
    private static final String PREFIX = "ckpt-";
    private static final ObjectMapper JSON = new ObjectMapper();
    // Only the checkpoint's own types and the JDK's collections and boxes: a tampered state.bin cannot make the
    // driver instantiate arbitrary classes.
    private static final ObjectInputFilter ALLOWED = ObjectInputFilter.Config.createFilter(
            "maxdepth=20;io.sparktrain.training.*;java.util.*;java.lang.*;[F;[J;[D;[I;!*");

    private final Path dir;
    private final FileSystem fs;
    private final int keep;

    private CheckpointStore(Path dir, FileSystem fs, int keep) {
        this.dir = dir;
        this.fs = fs;
        this.keep = keep;
    }

    /** The checkpoint folder {@code uri}, keeping the newest {@code keep}. */
    public static CheckpointStore at(String uri, int keep, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            return new CheckpointStore(fs.makeQualified(path), fs, keep);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint folder " + uri + ": " + e.getMessage(), e);
        }
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The complete-looking checkpoints (manifest present), newest first; none when the folder does not exist. */
    public List<Path> list() {
        try {
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<Path> found = new ArrayList<>();
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) {
                    found.add(s.getPath());
                }
            }
            found.sort(Comparator.comparing(Path::getName).reversed());
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException("listing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code checkpoint} atomically, then removes all but the newest {@code keep}.
     *
     * @return where it was written
     * @throws UncheckedIOException naming the path when the write fails; earlier checkpoints stay as they were
     */
    public Path write(Checkpoint checkpoint) {
        Path target = new Path(dir, String.format("%s%06d", PREFIX, checkpoint.roundsDone()));
        Path staging = new Path(dir, "." + target.getName() + ".inprogress-" + UUID.randomUUID());
        try {
            byte[] state = serialise(checkpoint);
            fs.mkdirs(staging);
            try (OutputStream out = fs.create(new Path(staging, STATE), false)) {
                out.write(state);
            }
            ObjectNode manifest = JSON.createObjectNode()
                    .put("format", 1)
                    .put("epoch", checkpoint.epoch() + 1)
                    .put("nextRound", checkpoint.nextRound() + 1)
                    .put("roundsDone", checkpoint.roundsDone())
                    .put("iteration", checkpoint.iteration())
                    .put("written", Instant.now().toString());
            manifest.putPOJO("identity", checkpoint.identity());
            manifest.putObject("parts").putObject(STATE).put("bytes", state.length).put("sha256", sha256(state));
            try (OutputStream out = fs.create(new Path(staging, MANIFEST), false)) {
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            }
            if (fs.exists(target)) {
                fs.delete(target, true); // one left by a run that resumed from an older checkpoint
            }
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot rename " + staging + " to " + target);
            }
        } catch (IOException | RuntimeException | org.apache.hadoop.fs.FSError e) {
            // FSError: how Hadoop's local file system reports a full disk.
            String why = e instanceof org.apache.hadoop.fs.FSError ? e.getCause().getMessage() : e.getMessage();
            removeQuietly(staging, e);
            throw new UncheckedIOException("writing checkpoint " + target + ": " + why,
                    e instanceof IOException io ? io : new IOException(e));
        }
        prune();
        return target;
    }

    private void prune() {
        List<Path> all = list();
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
            try {
                fs.delete(old, true);
            } catch (IOException e) {
                throw new UncheckedIOException("removing old checkpoint " + old + ": " + e.getMessage(), e);
            }
        }
    }

    private void removeQuietly(Path staging, Throwable failure) {
        try {
            fs.delete(staging, true);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** A checkpoint read back, and where from. */
    public record Loaded(Path path, Checkpoint checkpoint) {
    }

    /**
     * The newest checkpoint that reads back whole; each one skipped is reported to {@code warn} with its path and
     * the reason.
     */
    public Optional<Loaded> newestValid(Consumer<String> warn) {
        for (Path p : list()) {
            try {
                return Optional.of(new Loaded(p, readHere(p)));
            } catch (IOException | RuntimeException e) {
                warn.accept("skipping checkpoint " + p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    private Checkpoint readHere(Path checkpoint) throws IOException {
        Path manifestFile = new Path(checkpoint, MANIFEST);
        Path stateFile = new Path(checkpoint, STATE);
        if (!fs.exists(manifestFile)) {
            throw new IOException("no " + MANIFEST);
        }
        JsonNode part;
        try (InputStream in = fs.open(manifestFile)) {
            part = JSON.readTree(in).path("parts").path(STATE);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(MANIFEST + " is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!part.path("bytes").canConvertToLong() || !part.path("sha256").isTextual()) {
            throw new IOException(MANIFEST + " does not describe " + STATE);
        }
        if (!fs.exists(stateFile)) {
            throw new IOException(STATE + " is missing");
        }
        long expected = part.path("bytes").asLong();
        long length = fs.getFileStatus(stateFile).getLen();
        if (length != expected) {
            throw new IOException(STATE + " has " + length + " bytes, its manifest says " + expected
                    + " (truncated?)");
        }
        byte[] state;
        try (InputStream in = fs.open(stateFile)) {
            state = in.readNBytes((int) length);
        }
        if (!sha256(state).equals(part.path("sha256").asText())) {
            throw new IOException(STATE + " fails its SHA-256 check");
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(state))) {
            in.setObjectInputFilter(ALLOWED);
            return (Checkpoint) in.readObject();
        } catch (ClassNotFoundException | ClassCastException | java.io.InvalidClassException e) {
            throw new IOException(STATE + " does not hold a checkpoint of this version (" + e.getMessage() + ")");
        }
    }

    /** Removes the folder and everything in it (after a successful run). */
    public void removeAll() {
        try {
            fs.delete(dir, true);
        } catch (IOException e) {
            throw new UncheckedIOException("removing checkpoints " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] serialise(Checkpoint checkpoint) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(checkpoint);
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return dir.toString() + " (newest " + keep + " kept)";
    }
}
