package io.sparktrain.config;

import io.sparktrain.model.UpdaterSpec;

/**
 * How to train: parameter averaging over {@code workers} shards, each fitting {@code averagingFrequency}
 * minibatches of {@code batchSizePerWorker} examples between two averagings.
 *
 * @param epochs passes over the training set ({@code training.epochs})
 * @param workers shards and parallel tasks ({@code training.workers})
 * @param batchSizePerWorker examples per minibatch on each worker ({@code training.batchSizePerWorker})
 * @param averagingFrequency minibatches per worker between averagings ({@code training.averagingFrequency})
 * @param updater the optimiser ({@code training.updater}, {@code training.learningRate}, {@code training.momentum},
 *     {@code training.learningRateDecay})
 * @param seed seeds initialisation, sharding and shuffling ({@code training.seed})
 * @param evalBatchSize examples per forward pass in evaluation ({@code training.evalBatchSize})
 * @param tbpttLength steps per truncated-BPTT segment for recurrent networks, 0 = whole sequences
 *     ({@code training.tbpttLength})
 * @param divergence when the run counts as diverged ({@code training.divergence.*})
 * @param aggregation how each round's worker results reach the driver ({@code training.aggregation})
 */
public record TrainingConfig(int epochs, int workers, int batchSizePerWorker, int averagingFrequency,
                             UpdaterSpec updater, long seed, int evalBatchSize,
                             int tbpttLength, DivergenceConfig divergence, Aggregation aggregation) {

    /**
     * How a round's worker results become the averaged state on the driver.
     * {@link #DRIVER}: every worker's parameters and optimiser state go to the driver (workers x parameters per
     * round). {@link #SHARDED}: an all-reduce through Spark's shuffle, slice k of every worker averaged by one task;
     * the driver receives the averaged parameters once per round, whatever the worker count, at the cost of a
     * second stage per round. {@link #MEMORY} (local mode only, a task slot per worker): one Spark job per epoch
     * whose tasks exchange each round's state and updates with the driver through the JVM's memory, averaged as
     * DRIVER averages them, without a job, a broadcast or a serialised result per round. {@link #AUTO}: MEMORY in
     * local mode when every worker has a task slot, else DRIVER; SHARDED on a cluster. All give bitwise the same
     * parameters.
     */
    public enum Aggregation { AUTO, DRIVER, SHARDED, MEMORY }

    /** Validates every field, naming the key at fault. */
    public TrainingConfig {
        positive("training.epochs", epochs);
        positive("training.workers", workers);
        positive("training.batchSizePerWorker", batchSizePerWorker);
        positive("training.averagingFrequency", averagingFrequency);
        positive("training.evalBatchSize", evalBatchSize);
        java.util.Objects.requireNonNull(aggregation, "training.aggregation");
        if (tbpttLength < 0) {
            throw ConfigException.invalid("training.tbpttLength", "be >= 0 (0 = off)", tbpttLength);
        }
        if (!(updater.learningRate() > 0) || Double.isInfinite(updater.learningRate())) {
            throw ConfigException.invalid("training.learningRate", "be a finite number > 0", updater.learningRate());
        }
        if (!(updater.decay() > 0 && updater.decay() <= 1)) {
            throw ConfigException.invalid("training.learningRateDecay", "be in (0, 1]", updater.decay());
        }
        if (!(updater.momentum() >= 0 && updater.momentum() < 1)) {
            throw ConfigException.invalid("training.momentum", "be in [0, 1)", updater.momentum());
        }
    }

    /** With the aggregation chosen by where the run is ({@link Aggregation#AUTO}). */
    public TrainingConfig(int epochs, int workers, int batchSizePerWorker, int averagingFrequency,
                          UpdaterSpec updater, long seed, int evalBatchSize, int tbpttLength,
                          DivergenceConfig divergence) {
        this(epochs, workers, batchSizePerWorker, averagingFrequency, updater, seed, evalBatchSize, tbpttLength,
                divergence, Aggregation.AUTO);
    }

    /** The same settings with {@code way} of aggregating. */
    public TrainingConfig withAggregation(Aggregation way) {
        return new TrainingConfig(epochs, workers, batchSizePerWorker, averagingFrequency, updater, seed,
                evalBatchSize, tbpttLength, divergence, way);
    }

    /** With the default divergence guards. */
    public TrainingConfig(int epochs, int workers, int batchSizePerWorker, int averagingFrequency,
                          UpdaterSpec updater, long seed, int evalBatchSize, int tbpttLength) {
        this(epochs, workers, batchSizePerWorker, averagingFrequency, updater, seed, evalBatchSize, tbpttLength,
                DivergenceConfig.DEFAULT);
    }

    /** Without truncated BPTT. */
    public TrainingConfig(int epochs, int workers, int batchSizePerWorker, int averagingFrequency,
                          UpdaterSpec updater, long seed, int evalBatchSize) {
        this(epochs, workers, batchSizePerWorker, averagingFrequency, updater, seed, evalBatchSize, 0);
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw ConfigException.invalid(key, "be > 0", value);
        }
    }
}
