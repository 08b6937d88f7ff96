package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** The parameter-averaging loop, unchanged, on sequences: loss weighted by unmasked steps, truncated BPTT. */
class SequenceTrainingTest {
    private static final int CLASSES = 3;
    private static final NetworkSpec PER_STEP = new NetworkSpec("seq", Shape.sequence(2), List.of(
            new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 6, Activation.TANH, LayerSpec.Direction.FORWARD),
            new LayerSpec.Output()), CLASSES, OutputMode.SEQUENCE);
    private static final SequenceSet TEST = TestData.sequences(8, 2, 3, 9, CLASSES, SequenceSet.Labels.PER_STEP, 5);

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContext.local2();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static TrainingResult train(SequenceSet train, TrainingConfig config) {
        return new ParameterAveragingTrainer(sc, PER_STEP, config)
                .train(new TestData.InMemory(train, TEST), train.size(), TEST.size());
    }

    @Test
    void roundLossIsTheSumOfStepLossesOverTheUnmaskedStepsOfAllWorkers() {
        // Lengths 2..12: the two shards hold different numbers of steps. One minibatch per shard covers it, so the
        // first round scores the untrained network on every step of the training set.
        SequenceSet train = TestData.sequences(10, 2, 2, 12, CLASSES, SequenceSet.Labels.PER_STEP, 9);
        UpdaterSpec sgd = new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0);
        TrainingConfig config = new TrainingConfig(1, 2, 5, 1, sgd, 4, 100);
        RoundRecord round = train(train, config).rounds().get(0);

        MultiLayerNetwork initial = NetworkFactory.network(PER_STEP, sgd, 4);
        DataSet all = train.minibatch(IntStream.range(0, 10).toArray(), 0, 10);
        Evaluation expected = Targets.evaluate(initial.output(all.getFeatures(), false, all.getFeaturesMaskArray(),
                all.getLabelsMaskArray()), all.getLabels(), all.getLabelsMaskArray());

        assertEquals(train.totalSteps(), round.examples(), "the round counts unmasked steps");
        assertEquals(expected.meanLoss(), round.trainLoss(), 1e-5);
        List<RoundRecord.Worker> w = round.workers();
        assertNotEquals(w.get(0).examples(), w.get(1).examples());
        double meanOfMeans = (w.get(0).loss() + w.get(1).loss()) / 2;
        assertTrue(Math.abs(meanOfMeans - round.trainLoss()) > 1e-4,
                "a mean of the workers' means would give " + meanOfMeans);
    }

    @Test
    void truncatedBpttCountsEverySegmentsLossAndStep() {
        SequenceSet train = TestData.sequences(12, 2, 8, 8, CLASSES, SequenceSet.Labels.PER_STEP, 3);
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);
        TrainingConfig config = new TrainingConfig(1, 1, 4, 3, adam, 4, 100, 4);
        TrainingResult result = train(train, config);
        assertEquals(12 * 8, result.trainExamples(), "every step of every sequence is a target once");
        // Two segments of 4 steps per minibatch, three minibatches: six optimiser steps.
        assertEquals(6, result.network().getLayerWiseConfigurations().getIterationCount());

        // The first minibatch's loss is that of the untrained network on all 8 steps, not on the last segment.
        MultiLayerNetwork initial = NetworkFactory.network(PER_STEP, adam, 4, 4);
        io.sparktrain.data.ShardPlan plan = new io.sparktrain.data.ShardPlan(12, 1, 4, 4);
        DataSet first = train.subset(plan.shardIndices(0)).minibatch(plan.epochOrder(0, 0), 0, 4);
        ScoreSum scores = new ScoreSum();
        initial.setListeners(scores);
        initial.fit(first);
        LossSum viaSegments = Targets.lossOf(scores.sum(), first);
        MultiLayerNetwork untrained = NetworkFactory.network(PER_STEP, adam, 4, 4);
        Evaluation whole = Targets.evaluate(untrained.output(first.getFeatures()), first.getLabels(), null);
        assertEquals(32, viaSegments.weight());
        // The second segment is scored after the first segment's update, so close but not identical.
        assertEquals(whole.meanLoss(), viaSegments.mean(), 0.05);
        assertTrue(viaSegments.mean() > 0.5 * whole.meanLoss() && scores.sum() > initial.score(),
                "both segments' scores are in the sum, not just the last one");
    }
}
