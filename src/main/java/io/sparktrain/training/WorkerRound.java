package io.sparktrain.training;

import io.sparktrain.data.Examples;
import io.sparktrain.data.ShardPlan;
import java.util.Arrays;
import org.apache.spark.SparkEnv;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What one worker does in one round, however the round's state reached it (a broadcast, or the driver's memory in
 * local mode): puts the state into a network, fits the round's minibatches of its shard and takes the parameters and
 * optimiser state back out.
 */
final class WorkerRound {
    private WorkerRound() {
    }

    /**
     * Fits shard {@code shardIndex}'s minibatches of round {@code round} of {@code epoch}, starting from
     * {@code state}, on {@code net} (the caller's, of the state's configuration).
     *
     * @param readSeconds how long reading the state took, for the report
     * @return the worker's update; weight 0 and no arrays when its shard has no minibatch in this round
     */
    static WorkerUpdate fit(ModelState state, double readSeconds, MultiLayerNetwork net, Examples shard,
                            ShardPlan plan, int shardIndex, int epoch, int round, int frequency, long seed) {
        int batchSize = plan.batchSize();
        int first = round * frequency;
        int last = Math.min(first + frequency, plan.batchesPerEpoch(shardIndex));
        if (first >= last) {
            return new WorkerUpdate(shardIndex, executorId(), new float[0], new float[0], LossSum.ZERO, 0, 0, 0, 0,
                    MemoryUse.now());
        }
        apply(state, net);
        // Dropout masks: reproducible per (seed, epoch, round, shard) whichever executor runs the task.
        Nd4j.getRandom().setSeed(Arrays.hashCode(new long[] {seed, epoch, round, shardIndex}));
        int[] order = plan.epochOrder(shardIndex, epoch);
        ScoreSum scores = new ScoreSum();
        net.setListeners(scores);
        long start = System.nanoTime();
        LossSum loss = LossSum.ZERO;
        for (int b = first; b < last; b++) {
            int from = b * batchSize;
            int to = Math.min(from + batchSize, shard.size());
            DataSet minibatch = shard.minibatch(order, from, to);
            scores.reset();
            net.fit(minibatch);
            loss = loss.merge(Targets.lossOf(scores.sum(), minibatch));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        net.setListeners();
        return new WorkerUpdate(shardIndex, executorId(), net.params().toFloatVector(), updaterState(net), loss,
                last - first, net.getIterationCount() - state.iteration(), seconds, readSeconds, MemoryUse.now());
    }

    /** Puts {@code state} into {@code net}: parameters, optimiser state and counters. */
    static void apply(ModelState state, MultiLayerNetwork net) {
        net.setParams(Nd4j.create(state.params()));
        if (state.updaterState().length > 0) {
            net.getUpdater().getStateViewArray().assign(Nd4j.create(state.updaterState()));
        }
        net.getLayerWiseConfigurations().setIterationCount(state.iteration());
        net.getLayerWiseConfigurations().setEpochCount(state.epoch());
    }

    /** The network's optimiser state as one flat array (empty for a stateless optimiser). */
    static float[] updaterState(MultiLayerNetwork net) {
        Updater updater = net.getUpdater();
        INDArray view = updater == null ? null : updater.getStateViewArray();
        return view == null ? new float[0] : view.toFloatVector();
    }

    /** The executor this runs on ("driver" in local mode). */
    static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "unknown" : env.executorId();
    }
}
