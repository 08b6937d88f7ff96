package io.sparktrain.config;

/**
 * When and where a training run saves checkpoints it can be resumed from ({@code checkpoint.*}).
 *
 * @param everyRounds a checkpoint every this many averaging rounds, besides the one at every epoch end; 0 = epoch
 *     ends only ({@code checkpoint.everyRounds})
 * @param keep the newest checkpoints kept; older ones are removed once a newer one is complete
 *     ({@code checkpoint.keep})
 * @param dir the folder (any Hadoop URI) for this run's checkpoints; empty = beside the run folder being written,
 *     {@code OUT.checkpoints} ({@code checkpoint.dir})
 */
public record CheckpointConfig(int everyRounds, int keep, String dir) {

    /** Validates every field, naming the key at fault. */
    public CheckpointConfig {
        if (everyRounds < 0) {
            throw ConfigException.invalid("checkpoint.everyRounds", "be >= 0 (0 = at epoch ends only)", everyRounds);
        }
        if (keep < 1) {
            throw ConfigException.invalid("checkpoint.keep", "be >= 1", keep);
        }
        if (dir == null) {
            throw ConfigException.invalid("checkpoint.dir", "be a path or empty", "null");
        }
    }

    /** Epoch ends only, the newest two kept, beside the run folder. */
    public static final CheckpointConfig DEFAULT = new CheckpointConfig(0, 2, "");

    /** Where the checkpoints of a run written to {@code out} go. */
    public String dirFor(String out) {
        if (!dir.isEmpty()) {
            return dir;
        }
        String trimmed = out.endsWith("/") ? out.substring(0, out.length() - 1) : out;
        return trimmed + ".checkpoints";
    }
}
