package io.sparktrain.training;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.model.NetworkSpec;
import java.io.Serializable;
import java.util.List;

/**
 * Everything a run needs to continue exactly where it was: parameters, optimiser state and iteration count (which
 * also fix the learning-rate schedule's position), the data cursor (the epoch and the next round; shard orders
 * and dropout masks are functions of the seed, the epoch and the round), the divergence guard's memory and the
 * metrics so far. Written by the driver ({@link CheckpointStore}); a run resumed from it with the same seed and
 * shard layout ends with the same parameters and figures as one that was never interrupted.
 *
 * @param identity the network, data and shard layout it belongs to
 * @param params parameters after the last round done
 * @param updaterState optimiser state after it
 * @param iteration optimiser steps so far
 * @param epoch the epoch (0-based) of the next round
 * @param nextRound the next round (0-based) within {@code epoch}
 * @param rounds every round done
 * @param epochs every epoch done
 * @param epochLoss the loss summed over the rounds of {@code epoch} done so far
 * @param epochSeconds training seconds spent in {@code epoch} so far
 * @param trainExamples examples fitted in the epochs done
 * @param trainSeconds training seconds of the epochs done
 * @param test the evaluation after the last epoch done
 * @param guard the divergence guard's memory
 */
public record Checkpoint(Identity identity, float[] params, float[] updaterState, int iteration, int epoch,
                         int nextRound, List<RoundRecord> rounds, List<EpochRecord> epochs, LossSum epochLoss,
                         double epochSeconds, long trainExamples, double trainSeconds, Evaluation test,
                         DivergenceGuard guard) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rounds done, over all epochs: the checkpoint's position. */
    public int roundsDone() {
        return rounds.size();
    }

    /**
     * What a checkpoint must match to be resumed: the network and the data's shape (else its parameters mean
     * nothing), the shard layout and the seed (else its cursor points elsewhere).
     *
     * @param network input shape, layers, classes and output mode
     * @param data training and test examples
     * @param layout workers, minibatch size, averaging frequency and seed
     */
    public record Identity(String network, String data, String layout) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** The identity of a run of {@code spec} on {@code trainSize} + {@code testSize} examples. */
        public static Identity of(NetworkSpec spec, TrainingConfig config, int trainSize, int testSize) {
            return new Identity("input " + spec.input() + ", layers " + spec.layers() + ", " + spec.classes()
                    + " classes, output " + spec.output(), trainSize + " training and " + testSize + " test examples",
                    "training.workers=" + config.workers() + ", training.batchSizePerWorker="
                            + config.batchSizePerWorker() + ", training.averagingFrequency="
                            + config.averagingFrequency() + ", training.seed=" + config.seed());
        }

        /**
         * Refuses a checkpoint made for another run, in one line naming both.
         *
         * @param where the checkpoint, for the message
         * @throws ConfigException when any part differs
         */
        public void requireSame(Identity job, String where) {
            String what = !network.equals(job.network) ? "network" : !data.equals(job.data) ? "data"
                    : !layout.equals(job.layout) ? "shard layout" : null;
            if (what == null) {
                return;
            }
            String[] mine = {network, data, layout};
            String[] theirs = {job.network, job.data, job.layout};
            int i = what.equals("network") ? 0 : what.equals("data") ? 1 : 2;
            throw new ConfigException("checkpoint " + where + " belongs to another " + what + ": it has " + mine[i]
                    + "; this job has " + theirs[i]);
        }
    }
}
