package io.sparktrain.training;

import java.util.List;

/**
 * One averaging round as the driver saw it.
 *
 * @param epoch 1-based epoch
 * @param round 1-based round within the epoch
 * @param examples training examples fitted in the round, over all workers
 * @param trainLoss example-weighted mean cross-entropy of the round's minibatches (sum of losses / examples)
 * @param workers each contributing worker's share
 * @param driverMemory the driver's memory after the round
 * @param cost where the round's wall time went
 */
public record RoundRecord(int epoch, int round, long examples, double trainLoss, List<Worker> workers,
                          MemoryUse driverMemory, RoundCost cost) implements java.io.Serializable {

    /** A round whose cost was not measured. */
    public RoundRecord(int epoch, int round, long examples, double trainLoss, List<Worker> workers,
                       MemoryUse driverMemory) {
        this(epoch, round, examples, trainLoss, workers, driverMemory, RoundCost.NONE);
    }

    /** A round whose memory and cost were not measured. */
    public RoundRecord(int epoch, int round, long examples, double trainLoss, List<Worker> workers) {
        this(epoch, round, examples, trainLoss, workers, MemoryUse.NONE);
    }

    /** This round with its cost. */
    public RoundRecord withCost(RoundCost measured) {
        return new RoundRecord(epoch, round, examples, trainLoss, workers, driverMemory, measured);
    }

    /**
     * One worker's part of a round.
     *
     * @param shard shard (partition) index
     * @param executorId the Spark executor that ran it
     * @param examples examples it fitted
     * @param loss its example-weighted mean minibatch loss
     * @param minibatches minibatches it fitted
     * @param fitSeconds wall time it spent fitting
     * @param readSeconds wall time its read of the round's broadcast took
     * @param memory its executor's memory after fitting
     */
    public record Worker(int shard, String executorId, long examples, double loss, int minibatches,
                         double fitSeconds, double readSeconds, MemoryUse memory) implements java.io.Serializable {

        /** A worker whose broadcast read and memory were not measured. */
        public Worker(int shard, String executorId, long examples, double loss, int minibatches, double fitSeconds) {
            this(shard, executorId, examples, loss, minibatches, fitSeconds, 0, MemoryUse.NONE);
        }
    }
}
