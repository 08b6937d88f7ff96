package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sparktrain.TestData;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Padding and masks: a padded minibatch must give the loss, per target, of the same sequences fed one by one
 * without padding, for every recurrent layer kind and both output modes; and the output shapes of many-to-one,
 * many-to-many and bidirectional networks.
 */
class SequenceLossTest {
    private static final int FEATURES = 3;
    private static final int CLASSES = 4;
    private static final UpdaterSpec SGD = new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0);

    private static NetworkSpec spec(LayerSpec recurrent, OutputMode output) {
        return new NetworkSpec("t", Shape.sequence(FEATURES), List.of(recurrent, new LayerSpec.Output()), CLASSES,
                output);
    }

    private static LayerSpec lstm(LayerSpec.Direction direction) {
        return new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 5, Activation.TANH, direction);
    }

    private static int[] all(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    enum Kind {
        LSTM(new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 5, Activation.TANH, LayerSpec.Direction.FORWARD)),
        SIMPLE_RNN(new LayerSpec.Recurrent(LayerSpec.Cell.SIMPLE_RNN, 5, Activation.TANH, LayerSpec.Direction.FORWARD)),
        BIDIRECTIONAL(new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 5, Activation.TANH,
                LayerSpec.Direction.BIDIRECTIONAL_CONCAT)),
        GRU(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 5, Activation.TANH, LayerSpec.Direction.FORWARD)),
        BIDIRECTIONAL_GRU_CONCAT(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 5, Activation.TANH,
                LayerSpec.Direction.BIDIRECTIONAL_CONCAT)),
        BIDIRECTIONAL_GRU_ADD(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 5, Activation.TANH,
                LayerSpec.Direction.BIDIRECTIONAL_ADD));

        final LayerSpec layer;

        Kind(LayerSpec layer) {
            this.layer = layer;
        }
    }

    /** Loss of the padded minibatch (training path: score to LossSum) against the sequences one at a time. */
    private static void assertPaddingIsInvisible(LayerSpec layer, OutputMode output) {
        SequenceSet.Labels labels = output == OutputMode.LAST ? SequenceSet.Labels.PER_SEQUENCE
                : SequenceSet.Labels.PER_STEP;
        SequenceSet set = TestData.sequences(5, FEATURES, 2, 7, CLASSES, labels, 11);
        MultiLayerNetwork net = NetworkFactory.network(spec(layer, output), SGD, 5);

        DataSet padded = set.minibatch(all(5), 0, 5);
        assertNotNull(padded.getFeaturesMaskArray(), "lengths differ, so the batch is padded");
        LossSum batch = Targets.lossOf(net.score(padded, false), padded);

        LossSum oneByOne = LossSum.ZERO;
        for (int i = 0; i < set.size(); i++) {
            DataSet single = set.minibatch(new int[] {i}, 0, 1);
            assertNull(single.getFeaturesMaskArray());
            oneByOne = oneByOne.merge(Targets.lossOf(net.score(single, false), single));
        }
        long expectedTargets = output == OutputMode.LAST ? 5 : set.totalSteps();
        assertEquals(expectedTargets, oneByOne.weight());
        assertEquals(expectedTargets, batch.weight());
        assertEquals(oneByOne.lossSum(), batch.lossSum(), 1e-4);

        // The evaluation path computes the same from the output probabilities.
        INDArray out = net.output(padded.getFeatures(), false, padded.getFeaturesMaskArray(),
                padded.getLabelsMaskArray());
        Evaluation eval = Targets.evaluate(out, padded.getLabels(), padded.getLabelsMaskArray());
        assertEquals(expectedTargets, eval.examples());
        assertEquals(oneByOne.mean(), eval.meanLoss(), 1e-4);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void paddedManyToOneBatchHasTheLossOfItsSequencesUnpadded(Kind kind) {
        assertPaddingIsInvisible(kind.layer, OutputMode.LAST);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void paddedManyToManyBatchHasThePerStepLossOfItsSequencesUnpadded(Kind kind) {
        assertPaddingIsInvisible(kind.layer, OutputMode.SEQUENCE);
    }

    @Test
    void manyToOneGivesOneDistributionPerSequenceAndManyToManyOnePerStep() {
        SequenceSet perSequence = TestData.sequences(3, FEATURES, 6, 6, CLASSES, SequenceSet.Labels.PER_SEQUENCE, 1);
        DataSet batch = perSequence.minibatch(all(3), 0, 3);
        assertArrayEquals(new long[] {3, FEATURES, 6}, batch.getFeatures().shape());
        assertArrayEquals(new long[] {3, CLASSES}, batch.getLabels().shape());
        INDArray last = NetworkFactory.network(spec(lstm(LayerSpec.Direction.FORWARD), OutputMode.LAST), SGD, 1)
                .output(batch.getFeatures());
        assertArrayEquals(new long[] {3, CLASSES}, last.shape());

        SequenceSet perStep = TestData.sequences(3, FEATURES, 6, 6, CLASSES, SequenceSet.Labels.PER_STEP, 1);
        DataSet steps = perStep.minibatch(all(3), 0, 3);
        assertArrayEquals(new long[] {3, CLASSES, 6}, steps.getLabels().shape());
        INDArray each = NetworkFactory.network(spec(lstm(LayerSpec.Direction.FORWARD), OutputMode.SEQUENCE), SGD, 1)
                .output(steps.getFeatures());
        assertArrayEquals(new long[] {3, CLASSES, 6}, each.shape());
        assertEquals(3 * 6, each.sum(1).sumNumber().doubleValue(), 1e-4, "a softmax at every step");
    }

    @Test
    void bidirectionalConcatDoublesTheUnitsAndAddKeepsThem() {
        NetworkSpec concat = spec(lstm(LayerSpec.Direction.BIDIRECTIONAL_CONCAT), OutputMode.SEQUENCE);
        NetworkSpec add = spec(lstm(LayerSpec.Direction.BIDIRECTIONAL_ADD), OutputMode.SEQUENCE);
        assertEquals(Shape.sequence(10), concat.shapes().get(0));
        assertEquals(Shape.sequence(5), add.shapes().get(0));
        INDArray features = TestData.sequences(2, FEATURES, 4, 4, CLASSES, SequenceSet.Labels.PER_STEP, 3)
                .minibatch(all(2), 0, 2).getFeatures();
        MultiLayerNetwork c = NetworkFactory.network(concat, SGD, 1);
        MultiLayerNetwork a = NetworkFactory.network(add, SGD, 1);
        assertArrayEquals(new long[] {2, 10, 4}, c.feedForward(features).get(1).shape());
        assertArrayEquals(new long[] {2, 5, 4}, a.feedForward(features).get(1).shape());
        // Two LSTMs' parameters: (3 inputs + 5 recurrent + 1 bias) x 4 gates x 5 units each.
        assertEquals(2 * (4 * 5 * (FEATURES + 5 + 1)), c.getLayer(0).numParams());
        assertEquals(Shape.vector(10), spec(lstm(LayerSpec.Direction.BIDIRECTIONAL_CONCAT), OutputMode.LAST)
                .shapes().get(0));
    }
}
