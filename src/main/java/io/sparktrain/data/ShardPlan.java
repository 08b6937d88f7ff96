package io.sparktrain.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How a training set is cut into shards, one per worker, and in which order each shard is visited in each epoch.
 * Everything is a pure function of the example count, the block boundaries, the shard count, the minibatch size and
 * the seed, so the driver, the executors and the tests all compute the same plan.
 *
 * <p>The stored order is cut into blocks of neighbouring examples: by default the {@link #blockSize(int) grid} of
 * about {@value #GRID_BLOCKS} equal blocks (a function of the example count alone, so a writer can align its units
 * to it, as {@code make-parquet} does); a source whose own units are coarser than the grid (Parquet row groups of a
 * table written elsewhere) is cut at those instead ({@link #of}). The blocks are dealt in a seeded random order and
 * the dealt sequence is cut into balanced shards (sizes differ by at most one; a block may straddle two shards). So
 * each shard is a union of ranges of the stored order, which an executor reads without the rest of the split (a
 * record range each, the row groups they fall in, a list of files), and it samples the whole split, not one stretch
 * of it: data stored in a non-uniform order (by writer, by time, by class) still gives each worker a like sample, as
 * fine-grained as the blocks. Within a shard, each epoch visits the examples in a fresh seeded order, in minibatches
 * of {@code batchSize}; the last minibatch of a shard may be smaller.
 */
public final class ShardPlan implements Serializable {
    private static final long serialVersionUID = 2L;
    /** About how many blocks the grid cuts a training set into. */
    public static final int GRID_BLOCKS = 256;
    /**
     * The smallest block of the grid (a smaller set has fewer blocks): a block is read as one range, and each range
     * costs a seek and the file system's read-ahead, so blocks of a few rows would read much more than their bytes.
     */
    public static final int MIN_BLOCK = 64;
    /** The largest block of the grid (a larger set has more blocks). */
    public static final int MAX_BLOCK = 4096;

    private final int examples;
    private final int[] blockStarts;
    private final int shards;
    private final int batchSize;
    private final long seed;

    /**
     * A plan over the grid's blocks.
     *
     * @param examples number of training examples
     * @param shards number of shards (workers)
     * @param batchSize examples per minibatch on each worker
     * @param seed seed of the deal and of every permutation
     */
    public ShardPlan(int examples, int shards, int batchSize, long seed) {
        this(examples, grid(examples), shards, batchSize, seed);
    }

    /**
     * A plan over the given blocks.
     *
     * @param examples number of training examples
     * @param blockStarts ascending first indices of the blocks, the first 0; starts at or beyond {@code examples}
     *     are dropped
     * @param shards number of shards (workers)
     * @param batchSize examples per minibatch on each worker
     * @param seed seed of the deal and of every permutation
     */
    public ShardPlan(int examples, int[] blockStarts, int shards, int batchSize, long seed) {
        if (shards <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("shards and batchSize must be > 0");
        }
        if (examples < shards) {
            throw new IllegalArgumentException(examples + " training examples cannot fill " + shards + " shards");
        }
        if (blockStarts.length == 0 || blockStarts[0] != 0) {
            throw new IllegalArgumentException("the first block must start at 0");
        }
        for (int i = 1; i < blockStarts.length; i++) {
            if (blockStarts[i] <= blockStarts[i - 1]) {
                throw new IllegalArgumentException("block starts must ascend: " + blockStarts[i - 1] + ", "
                        + blockStarts[i]);
            }
        }
        this.examples = examples;
        this.blockStarts = Arrays.stream(blockStarts).filter(b -> b < examples).toArray();
        this.shards = shards;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /**
     * The plan for a source whose natural units start at {@code units} (empty when it has none): cut at those units
     * when there are at least as many as shards and they are more than twice as coarse as the grid, since reading
     * part of a unit costs the whole unit; cut at the grid otherwise (units as fine as the grid are read about once
     * each either way, and fewer units than shards cannot keep reads local at all).
     */
    public static ShardPlan of(int examples, int[] units, int shards, int batchSize, long seed) {
        boolean coarse = units.length >= shards && (long) examples > 2L * units.length * blockSize(examples);
        return new ShardPlan(examples, coarse ? units : grid(examples), shards, batchSize, seed);
    }

    /**
     * The grid's block size for {@code examples} examples: {@code ceil(examples / GRID_BLOCKS)} within
     * {@code [MIN_BLOCK, MAX_BLOCK]}. Block {@code b} is examples {@code [b * size, min((b + 1) * size, examples))}.
     */
    public static int blockSize(int examples) {
        int size = (int) ((examples + (long) GRID_BLOCKS - 1) / GRID_BLOCKS);
        return Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, size));
    }

    private static int[] grid(int examples) {
        int size = blockSize(examples);
        int[] starts = new int[Math.max(1, (examples + size - 1) / size)];
        for (int b = 0; b < starts.length; b++) {
            starts[b] = b * size;
        }
        return starts;
    }

    /** Number of shards. */
    public int shards() {
        return shards;
    }

    /** Minibatch size. */
    public int batchSize() {
        return batchSize;
    }

    /** Size of shard {@code s}. */
    public int shardSize(int s) {
        return examples / shards + (s < examples % shards ? 1 : 0);
    }

    /** Number of blocks the examples are dealt in. */
    public int blocks() {
        return blockStarts.length;
    }

    /** The ranges of the stored order that shard {@code s} holds, ascending. */
    public IndexRanges ranges(int s) {
        int cutStart = s * (examples / shards) + Math.min(s, examples % shards);
        int cutEnd = cutStart + shardSize(s);
        int[] deal = permutation(blockStarts.length, mix(seed, -1, -1));
        int[] starts = new int[deal.length];
        int[] ends = new int[deal.length];
        int n = 0;
        long dealt = 0; // position in the dealt sequence of the current block's first example
        for (int block : deal) {
            int first = blockStarts[block];
            int length = (block + 1 < blockStarts.length ? blockStarts[block + 1] : examples) - first;
            long a = Math.max(dealt, cutStart);
            long b = Math.min(dealt + length, cutEnd);
            if (a < b) {
                starts[n] = (int) (first + a - dealt);
                ends[n] = (int) (first + b - dealt);
                n++;
            }
            dealt += length;
        }
        return IndexRanges.union(Arrays.copyOf(starts, n), Arrays.copyOf(ends, n));
    }

    /** The indices (into the full training set) of the examples in shard {@code s}, ascending. */
    public int[] shardIndices(int s) {
        return ranges(s).indices();
    }

    /** Minibatches shard {@code s} holds per epoch. */
    public int batchesPerEpoch(int s) {
        return (shardSize(s) + batchSize - 1) / batchSize;
    }

    /** The most minibatches any shard holds per epoch. */
    public int maxBatchesPerEpoch() {
        return batchesPerEpoch(0); // shard 0 is never smaller than the others
    }

    /**
     * The order (positions within the shard) in which shard {@code s} is visited during {@code epoch}; minibatch
     * {@code b} is positions {@code [b * batchSize, min((b + 1) * batchSize, shardSize))} of it.
     */
    public int[] epochOrder(int s, int epoch) {
        return permutation(shardSize(s), mix(seed, epoch, s));
    }

    private static long mix(long seed, int epoch, int shard) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + shard * 0x165667B19E3779F9L;
        return h ^ (h >>> 29);
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
