package io.sparktrain.training;

import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.Examples;
import io.sparktrain.data.PredictionInput;
import io.sparktrain.nn.NativeThreads;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.stream.IntStream;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A trained network put to work on the executors outside training: evaluation of a saved model on a test split,
 * through exactly the code path (partitions, minibatches, loss sums) the trainer's own evaluation takes, so that
 * the same model on the same data gives the same numbers as its run's {@code metrics.json}; and prediction, each
 * executor reading and scoring its own part of the inputs.
 */
public final class Scoring {

    private Scoring() {
    }

    /**
     * Evaluates {@code network} on the test split of {@code source}, cut into {@code parts} contiguous partitions
     * as the trainer cuts it for {@code parts} workers.
     *
     * @param testSize test examples the source yields (the driver has read them)
     * @param batchSize examples per forward pass
     */
    public static Evaluation evaluate(JavaSparkContext sc, ExampleSource source, int testSize, int parts,
                                      MultiLayerNetwork network, int batchSize) {
        Broadcast<SerializableHadoopConf> hadoop = sc.broadcast(new SerializableHadoopConf(sc.hadoopConfiguration()));
        JavaRDD<Examples> testParts = sc.parallelize(ParameterAveragingTrainer.range(parts), parts)
                .mapPartitionsWithIndex(new ParameterAveragingTrainer.LoadTestPart(source, hadoop, testSize, parts),
                        true)
                .persist(StorageLevel.MEMORY_ONLY());
        Broadcast<ModelState> state = sc.broadcast(stateOf(network));
        try {
            return testParts.mapPartitions(new ParameterAveragingTrainer.Evaluate(state, batchSize))
                    .fold(Evaluation.EMPTY, Evaluation::merge);
        } finally {
            state.destroy();
            testParts.unpersist(false);
            hadoop.destroy();
        }
    }

    /**
     * One scored input.
     *
     * @param id the input's id
     * @param predicted the most probable class
     * @param probabilities every class's probability (for a per-step model, at the input's last step)
     */
    public record Prediction(String id, int predicted, float[] probabilities) implements java.io.Serializable {
    }

    /**
     * Scores every input of {@code input} with {@code network} on the executors, one Spark partition per part:
     * each executor reads its own part, so the inputs never pass through the driver.
     *
     * @param parts how many partitions to cut the inputs into
     * @param batchSize examples per forward pass
     * @return the predictions, in input order
     */
    public static JavaRDD<Prediction> predict(JavaSparkContext sc, PredictionInput input, int parts,
                                              MultiLayerNetwork network, int batchSize) {
        List<PredictionInput.Part> cut = input.parts(parts, sc.hadoopConfiguration());
        Broadcast<SerializableHadoopConf> hadoop = sc.broadcast(new SerializableHadoopConf(sc.hadoopConfiguration()));
        Broadcast<ModelState> state = sc.broadcast(stateOf(network));
        return sc.parallelize(cut, cut.size()).mapPartitions(new Predict(input, hadoop, state, batchSize));
    }

    /** Executor side: reads one part and scores it. */
    private record Predict(PredictionInput input, Broadcast<SerializableHadoopConf> hadoop,
                           Broadcast<ModelState> broadcast, int batchSize)
            implements FlatMapFunction<Iterator<PredictionInput.Part>, Prediction> {
        @Override
        public Iterator<Prediction> call(Iterator<PredictionInput.Part> parts) {
            List<Prediction> out = new ArrayList<>();
            ModelState state = broadcast.value();
            NativeThreads.alignCallingThread();
            MultiLayerNetwork net = NetworkCache.borrow(state.configurationJson());
            try {
                WorkerRound.apply(state, net);
                while (parts.hasNext()) {
                    PredictionInput.Batch batch = input.read(parts.next(), hadoop.value().get());
                    outputs(net, batch.examples(), batchSize, (probabilities, i) ->
                            out.add(new Prediction(batch.ids().get(i), argmax(probabilities), probabilities)));
                }
                net.clear();
            } finally {
                NetworkCache.giveBack(state.configurationJson(), net);
            }
            return out.iterator();
        }
    }

    /**
     * Runs {@code net} over {@code examples}, {@code batchSize} per forward pass, and hands each example's output
     * (for per-step outputs, its last unmasked step's) with its index to {@code sink}.
     */
    static void outputs(MultiLayerNetwork net, Examples examples, int batchSize,
                        java.util.function.ObjIntConsumer<float[]> sink) {
        int[] order = IntStream.range(0, examples.size()).toArray();
        for (int from = 0; from < examples.size(); from += batchSize) {
            int to = Math.min(from + batchSize, examples.size());
            DataSet minibatch = examples.minibatch(order, from, to);
            INDArray p = net.output(minibatch.getFeatures(), false, minibatch.getFeaturesMaskArray(),
                    minibatch.getLabelsMaskArray());
            for (int i = from; i < to; i++) {
                sink.accept(lastStep(p, i - from, minibatch.getFeaturesMaskArray()), i);
            }
        }
    }

    /** Example {@code k}'s probabilities: its row, or for per-step outputs its last unmasked step. */
    static float[] lastStep(INDArray p, int k, INDArray featureMask) {
        if (p.rank() == 2) {
            return p.getRow(k).toFloatVector();
        }
        long t = p.size(2) - 1;
        if (featureMask != null) {
            t = Math.round(featureMask.getRow(k).sumNumber().doubleValue()) - 1;
        }
        return p.get(NDArrayIndex.point(k), NDArrayIndex.all(), NDArrayIndex.point(t)).toFloatVector();
    }

    private static int argmax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    /** What executors need to rebuild {@code network}: configuration, parameters, counters. */
    static ModelState stateOf(MultiLayerNetwork network) {
        Updater updater = network.getUpdater(false);
        float[] state = updater == null || updater.getStateViewArray() == null ? new float[0]
                : updater.getStateViewArray().toFloatVector();
        return new ModelState(network.getLayerWiseConfigurations().toJson(), network.params().toFloatVector(),
                state, network.getLayerWiseConfigurations().getIterationCount(),
                network.getLayerWiseConfigurations().getEpochCount());
    }
}
