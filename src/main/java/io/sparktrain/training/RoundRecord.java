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
 */
public record RoundRecord(int epoch, int round, long examples, double trainLoss, List<Worker> workers)
        implements java.io.Serializable {

    /**
     * One worker's part of a round.
     *
     * @param shard shard (partition) index
     * @param executorId the Spark executor that ran it
     * @param examples examples it fitted
     * @param loss its example-weighted mean minibatch loss
     * @param minibatches minibatches it fitted
     * @param fitSeconds wall time it spent fitting
     */
    public record Worker(int shard, String executorId, long examples, double loss, int minibatches,
                         double fitSeconds) implements java.io.Serializable {
    }
}
