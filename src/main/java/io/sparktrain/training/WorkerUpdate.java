package io.sparktrain.training;

import java.io.Serializable;

/**
 * What one worker returns from one averaging round.
 *
 * @param shard the shard (partition) it trained on
 * @param executorId the Spark executor that ran it ("driver" in local mode)
 * @param params its parameters after the round; empty when it had no minibatch in this round
 * @param updaterState its optimiser state after the round
 * @param loss the sum of its losses and the targets (examples, or unmasked time steps) they were taken over
 * @param minibatches minibatches it fitted
 * @param iterations optimiser steps it took (more than minibatches with truncated BPTT)
 * @param fitSeconds wall time spent fitting
 * @param readSeconds wall time its first read of the round's broadcast took (fetch and deserialise)
 * @param memory the executor's memory after fitting
 */
record WorkerUpdate(int shard, String executorId, float[] params, float[] updaterState, LossSum loss,
                    int minibatches, int iterations, double fitSeconds, double readSeconds,
                    MemoryUse memory) implements Serializable {
}
