package io.sparktrain.training;

import io.sparktrain.data.Examples;
import io.sparktrain.nn.NativeThreads;
import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

/**
 * A trained classifier's parameters broadcast once to the executors, for scoring data the driver never sees (a
 * DataFrame's partitions): each task borrows a network from its executor's pool, as training does, and gets every
 * example's logits, the output layer's values before its softmax. Spark ML classifiers report those as
 * {@code rawPrediction} and their softmax as {@code probability}; the most probable class is the largest logit.
 */
public final class BroadcastNetwork implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelState> state;

    private BroadcastNetwork(Broadcast<ModelState> state) {
        this.state = state;
    }

    /** Broadcasts {@code network} (a softmax classifier) with its output layer's activation left out. */
    public static BroadcastNetwork of(JavaSparkContext sc, MultiLayerNetwork network) {
        MultiLayerConfiguration logits = network.getLayerWiseConfigurations().clone();
        int last = logits.getConfs().size() - 1;
        if (!(logits.getConf(last).getLayer() instanceof BaseOutputLayer output)) {
            throw new IllegalArgumentException("the network's last layer is not an output layer: "
                    + logits.getConf(last).getLayer().getClass().getSimpleName());
        }
        output.setActivationFn(new ActivationIdentity());
        return new BroadcastNetwork(sc.broadcast(new ModelState(logits.toJson(), network.params().toFloatVector(),
                new float[0], logits.getIterationCount(), logits.getEpochCount())));
    }

    /**
     * Executor side: the logits of every example, {@code batchSize} examples per forward pass (for a network with
     * one output per step, those of an example's last step).
     */
    public float[][] logits(Examples examples, int batchSize) {
        ModelState s = state.value();
        NativeThreads.alignCallingThread();
        MultiLayerNetwork net = NetworkCache.borrow(s.configurationJson());
        try {
            WorkerRound.apply(s, net);
            float[][] out = new float[examples.size()][];
            Scoring.outputs(net, examples, batchSize, (logits, i) -> out[i] = logits);
            net.clear();
            return out;
        } finally {
            NetworkCache.giveBack(s.configurationJson(), net);
        }
    }

    /** Releases the broadcast on the driver and the executors. */
    public void destroy() {
        state.destroy();
    }
}
