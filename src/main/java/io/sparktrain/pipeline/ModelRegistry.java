package io.sparktrain.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparktrain.config.ConfigException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Numbered model versions on any Hadoop file system, a champion pointer and an append-only history:
 * <pre>
 * REGISTRY/versions/v000001/   model.zip, config.conf, metrics.json, manifest.json (a run folder, {@link RunOutput})
 * REGISTRY/champion.json       {"version": N, ...}: replaced by write-then-rename, never edited in place
 * REGISTRY/history/000001.json one file per promotion, rejection or rollback, never changed once written
 * REGISTRY/lock.json           present while a run holds the lock ({@link RegistryLock})
 * </pre>
 * A version folder appears whole (staged and renamed by {@link RunOutput}); the champion pointer names a complete
 * version or is absent. Readers need no lock; writers hold it.
 */
public final class ModelRegistry {
    private static final Pattern VERSION = Pattern.compile("v(\\d{6})");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private final FileSystem fs;

    private ModelRegistry(Path root, FileSystem fs) {
        this.root = root;
        this.fs = fs;
    }

    /**
     * The registry at {@code uri}.
     *
     * @param create make it when it does not exist; otherwise its absence is an error
     */
    public static ModelRegistry open(String uri, boolean create, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            path = fs.makeQualified(path);
            if (!fs.exists(path)) {
                if (!create) {
                    throw new ConfigException("no registry at " + uri + " (retrain creates one)");
                }
                fs.mkdirs(new Path(path, "versions"));
                fs.mkdirs(new Path(path, "history"));
            } else if (!fs.getFileStatus(path).isDirectory()) {
                throw new ConfigException("registry " + uri + " is a file, not a folder");
            }
            return new ModelRegistry(path, fs);
        } catch (IOException e) {
            throw new ConfigException("registry " + uri + ": " + e.getMessage());
        }
    }

    /** Where the registry is. */
    public Path root() {
        return root;
    }

    /** The folder of version {@code n}. */
    public Path versionPath(int n) {
        return new Path(new Path(root, "versions"), String.format("v%06d", n));
    }

    /** The complete versions, oldest first. */
    public List<Integer> versions() throws IOException {
        Set<Integer> numbers = new TreeSet<>();
        Path dir = new Path(root, "versions");
        if (fs.exists(dir)) {
            for (FileStatus s : fs.listStatus(dir)) {
                Matcher m = VERSION.matcher(s.getPath().getName());
                if (s.isDirectory() && m.matches()) {
                    numbers.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        return new ArrayList<>(numbers);
    }

    /** The number the next version gets. */
    int nextVersion() throws IOException {
        List<Integer> all = versions();
        int highest = all.isEmpty() ? 0 : all.get(all.size() - 1);
        // A version deleted by retention keeps its number: history names it.
        for (Map<String, Object> e : history()) {
            Object v = e.get("version");
            if (v instanceof Number n) {
                highest = Math.max(highest, n.intValue());
            }
        }
        return highest + 1;
    }

    /** The champion's version number, if there is one. */
    public Optional<Integer> champion() throws IOException {
        Path pointer = new Path(root, "champion.json");
        try (InputStream in = fs.open(pointer)) {
            return Optional.of(((Number) JSON.readValue(in, Map.class).get("version")).intValue());
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /** A version's JSON file ({@code metrics.json}, {@code manifest.json}); empty when it has none. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> read(int version, String file) throws IOException {
        try (InputStream in = fs.open(new Path(versionPath(version), file))) {
            return JSON.readValue(in, Map.class);
        } catch (FileNotFoundException e) {
            return Map.of();
        }
    }

    /** Every event, oldest first. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> history() throws IOException {
        List<Map<String, Object>> events = new ArrayList<>();
        Path dir = new Path(root, "history");
        if (!fs.exists(dir)) {
            return events;
        }
        List<Path> files = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.getPath().getName().matches("\\d{6}\\.json")) {
                files.add(s.getPath());
            }
        }
        files.sort(null);
        for (Path f : files) {
            try (InputStream in = fs.open(f)) {
                events.add(JSON.readValue(in, Map.class));
            }
        }
        return events;
    }

    /** Takes the registry's lock (see {@link RegistryLock}). */
    RegistryLock lock(int leaseSeconds, int waitSeconds) throws IOException {
        return RegistryLock.acquire(fs, new Path(root, "lock.json"), leaseSeconds, waitSeconds);
    }

    /**
     * Makes {@code version} the champion and records why; the caller holds the lock.
     *
     * @param event what happened ({@code promoted}, {@code rollback}, ...)
     * @param details figures and reasons for the history
     */
    void setChampion(RegistryLock lock, int version, String event, Map<String, Object> details) throws IOException {
        requireHeld(lock);
        if (!fs.exists(versionPath(version))) {
            throw new ConfigException("registry " + root + " has no version " + version);
        }
        Optional<Integer> before = champion();
        Map<String, Object> pointer = new LinkedHashMap<>();
        pointer.put("version", version);
        pointer.put("since", Instant.now().toString());
        AtomicFile.write(fs, new Path(root, "champion.json"), true, JSON.writeValueAsBytes(pointer));
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("event", event);
        record.put("version", version);
        record.put("previousChampion", before.orElse(null));
        record.putAll(details);
        record(lock, record);
    }

    /** Appends an event to the history; the caller holds the lock. */
    void record(RegistryLock lock, Map<String, Object> event) throws IOException {
        requireHeld(lock);
        List<Map<String, Object>> all = history();
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("sequence", all.size() + 1);
        e.put("time", Instant.now().toString());
        e.putAll(event);
        Path dir = new Path(root, "history");
        fs.mkdirs(dir);
        // Never replaces an event: a second writer of the same number fails here.
        AtomicFile.write(fs, new Path(dir, String.format("%06d.json", all.size() + 1)), false,
                JSON.writeValueAsBytes(e));
    }

    /**
     * Deletes all but the newest {@code keep} versions and every version that was ever champion; the caller holds
     * the lock.
     *
     * @return the versions deleted
     */
    List<Integer> retain(RegistryLock lock, int keep) throws IOException {
        requireHeld(lock);
        Set<Integer> champions = new TreeSet<>();
        for (Map<String, Object> e : history()) {
            if (("promoted".equals(e.get("event")) || "rollback".equals(e.get("event"))
                    || "promote".equals(e.get("event"))) && e.get("version") instanceof Number n) {
                champions.add(n.intValue());
            }
        }
        champion().ifPresent(champions::add);
        List<Integer> all = versions();
        List<Integer> deleted = new ArrayList<>();
        for (int i = 0; i < all.size() - keep; i++) {
            int v = all.get(i);
            if (!champions.contains(v)) {
                fs.delete(versionPath(v), true);
                deleted.add(v);
            }
        }
        return deleted;
    }

    /**
     * An operator's promotion of {@code version}, under the lock.
     *
     * @throws RegistryLockedException when a run holds the lock
     */
    public void promote(int version) throws IOException {
        try (RegistryLock lock = lock(600, 0)) {
            if (!versions().contains(version)) {
                throw new ConfigException("registry " + root + " has no version " + version + "; versions: "
                        + versions());
            }
            setChampion(lock, version, "promote", Map.of("reason", "promoted by an operator"));
        }
    }

    /**
     * Makes the champion before the current one champion again, under the lock.
     *
     * @return the version that is champion now
     */
    public int rollback() throws IOException {
        try (RegistryLock lock = lock(600, 0)) {
            Optional<Integer> current = champion();
            if (current.isEmpty()) {
                throw new ConfigException("registry " + root + " has no champion to roll back");
            }
            List<Map<String, Object>> events = history();
            for (int i = events.size() - 1; i >= 0; i--) {
                Map<String, Object> e = events.get(i);
                if (e.get("version") instanceof Number v && v.intValue() == current.get()
                        && e.get("previousChampion") instanceof Number previous
                        && versions().contains(previous.intValue())) {
                    setChampion(lock, previous.intValue(), "rollback", Map.of("reason", "rolled back from version "
                            + current.get() + " by an operator"));
                    return previous.intValue();
                }
            }
            throw new ConfigException("registry " + root + ": version " + current.get() + " has no earlier champion "
                    + "to roll back to");
        }
    }

    private void requireHeld(RegistryLock lock) {
        if (lock == null || !lock.held()) {
            throw new IllegalStateException("registry " + root + ": this run no longer holds the lock");
        }
    }
}
