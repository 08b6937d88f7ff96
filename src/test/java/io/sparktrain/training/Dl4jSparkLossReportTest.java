package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Why sparktrain has its own training master: dl4j-spark 1.0.0-M2's {@code ParameterAveragingTrainingMaster},
 * run here on real Spark 3.5, reports as "score" the score of each worker's last minibatch, not the loss over the
 * minibatches it fitted. Measured with one worker and three minibatches of unequal loss, in the same process as a
 * plain DL4J reference fitting the same minibatches from the same initial parameters.
 */
class Dl4jSparkLossReportTest {

    @Test
    void dl4jMasterReportsTheLastMinibatchScoreNotTheExampleWeightedLoss() {
        NetworkSpec spec = new NetworkSpec("cmp", Shape.map(1, 8, 8), List.of(
                new LayerSpec.Conv(4, 3, 3, 1, 1, Padding.of(1, 1), 1, 1, Activation.RELU, 0),
                new LayerSpec.Pool(true, 2, 2, 2, 2, Padding.VALID), new LayerSpec.Output()), 4);
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.05, 0);
        ExampleSet data = TestData.images(24, 4, 8, 21);
        List<DataSet> minibatches = new ArrayList<>();
        int[] order = IntStream.range(0, 24).toArray();
        for (int from = 0; from < 24; from += 8) {
            minibatches.add(data.minibatch(order, from, from + 8));
        }

        // Reference: the same three minibatches, in order, in one process.
        MultiLayerNetwork reference = NetworkFactory.network(spec, adam, 5);
        LossSum exact = LossSum.ZERO;
        double last = Double.NaN;
        for (DataSet minibatch : minibatches) {
            reference.fit(minibatch);
            last = reference.score();
            exact = exact.merge(LossSum.ofMean(last, 8));
        }

        MultiLayerConfiguration conf = NetworkFactory.configuration(spec, adam, 5);
        try (JavaSparkContext sc = new JavaSparkContext(SparkTestContext.conf("local[1]"))) {
            ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(1, 8)
                    .batchSizePerWorker(8).averagingFrequency(3).workerPrefetchNumBatches(0)
                    .repartionData(Repartition.Never).rddTrainingApproach(RDDTrainingApproach.Direct)
                    .saveUpdater(true).build();
            SparkDl4jMultiLayer dl4j = new SparkDl4jMultiLayer(sc, conf, master);
            dl4j.fit(sc.parallelize(minibatches, 1));
            double reported = dl4j.getScore();

            // It trained the same minibatches to the same parameters...
            org.junit.jupiter.api.Assertions.assertArrayEquals(reference.params().toFloatVector(),
                    dl4j.getNetwork().params().toFloatVector(), 1e-5f);
            // ...but what it reports is the last minibatch's score, not the loss of the round.
            assertEquals(last, reported, 1e-6);
            assertTrue(Math.abs(exact.mean() - reported) > 0.01,
                    "exact " + exact.mean() + " vs dl4j " + reported);
            System.out.printf("dl4j-spark score %.6f = last minibatch %.6f; exact loss over the 3 minibatches %.6f%n",
                    reported, last, exact.mean());
        }
    }
}
