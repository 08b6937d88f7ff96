package io.sparktrain.data;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * How a training set is cut into shards, one per worker, and in which order each shard is visited in each epoch.
 * Everything is a pure function of the example count, the shard count, the minibatch size and the seed, so the
 * driver, the executors and the tests all compute the same plan without shipping it.
 *
 * <p>Shards are contiguous, balanced blocks of the training set in its stored order: shard {@code s} is examples
 * {@code [shardStart(s), shardEnd(s))}, and sizes differ by at most one. Contiguous blocks let each executor read
 * only the bytes of its own shard (a record range, a run of row groups, a list of files) instead of the whole split.
 * A shard is therefore a uniform sample only when the stored order is random: data sorted by class should be
 * shuffled once when written. Within a shard, each epoch visits the examples in a fresh seeded order, in
 * minibatches of {@code batchSize}; the last minibatch of a shard may be smaller.
 */
public final class ShardPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int examples;
    private final int shards;
    private final int batchSize;
    private final long seed;

    /**
     * @param examples number of training examples
     * @param shards number of shards (workers)
     * @param batchSize examples per minibatch on each worker
     * @param seed seed of every permutation
     */
    public ShardPlan(int examples, int shards, int batchSize, long seed) {
        if (shards <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("shards and batchSize must be > 0");
        }
        if (examples < shards) {
            throw new IllegalArgumentException(examples + " training examples cannot fill " + shards + " shards");
        }
        this.examples = examples;
        this.shards = shards;
        this.batchSize = batchSize;
        this.seed = seed;
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

    /** The index (into the full training set) of the first example of shard {@code s}. */
    public int shardStart(int s) {
        return s * (examples / shards) + Math.min(s, examples % shards);
    }

    /** One past the index of the last example of shard {@code s}: shard {@code s} is {@code [shardStart, shardEnd)}. */
    public int shardEnd(int s) {
        return shardStart(s) + shardSize(s);
    }

    /** The indices (into the full training set) of the examples in shard {@code s}, ascending and contiguous. */
    public int[] shardIndices(int s) {
        int start = shardStart(s);
        int[] mine = new int[shardSize(s)];
        for (int i = 0; i < mine.length; i++) {
            mine[i] = start + i;
        }
        return mine;
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
