package io.sparktrain.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.ConvBlocks;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.LstmKernel;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.recurrent.BidirectionalLayer;
import org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The oneDNN LSTM computes what DL4J's LSTM computes, on variable-length (masked, left-aligned) minibatches: outputs,
 * loss, every parameter's gradient and the parameters after four Adam steps, for one and two stacked layers and
 * both output modes; and a padded minibatch gives the outputs, loss and summed gradients of its sequences fed one
 * at a time. Bidirectional layers (CONCAT, ADD, stacked) give DL4J's results on unpadded minibatches and their
 * sequences' results on padded ones, which DL4J's own Bidirectional does not (its backward copy starts in the
 * padding; the test shows that on the same data). Also: truncated BPTT, DL4J's LSTM where oneDNN cannot run
 * exactly, 1- against 2-thread primitives (equal within float rounding) and primitives run from a second thread
 * (bit for bit).
 *
 * <p>Tolerances are float32 ones: oneDNN and DL4J sum the same products in different orders (oneDNN projects all
 * steps' inputs in one matrix product and blocks its sums differently from DL4J's per-step products), so results
 * differ in the last bits of a float; outputs, tanh/sigmoid values in [-1, 1], agree to {@value #OUTPUT_TOLERANCE}.
 * Gradients are sums over sequences and steps of products of such values, and four Adam steps move each parameter
 * by about 4 x the learning rate whatever the gradient's size, so they get {@value #GRADIENT_TOLERANCE}; a wrong
 * gate order, a missed mask or a padded step that leaks gives errors of order 0.01 to 1.
 */
class OnednnLstmTest {
    private static final double OUTPUT_TOLERANCE = 1e-5;
    private static final double GRADIENT_TOLERANCE = 1e-5;
    private static final int FEATURES = 3;
    private static final int CLASSES = 4;
    private static final UpdaterSpec ADAM = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);

    private static LayerSpec lstm(int units, LayerSpec.Direction direction) {
        return new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, units, Activation.TANH, direction);
    }

    static Stream<Arguments> forwardNetworks() {
        List<Arguments> cases = new ArrayList<>();
        for (OutputMode output : OutputMode.values()) {
            cases.add(Arguments.of("one LSTM, output " + output, output,
                    List.of(lstm(6, LayerSpec.Direction.FORWARD))));
            cases.add(Arguments.of("two stacked LSTMs, output " + output, output,
                    List.of(lstm(5, LayerSpec.Direction.FORWARD), lstm(7, LayerSpec.Direction.FORWARD))));
        }
        return cases.stream();
    }

    static Stream<Arguments> bidirectionalNetworks() {
        List<Arguments> cases = new ArrayList<>();
        for (OutputMode output : OutputMode.values()) {
            for (LayerSpec.Direction d : List.of(LayerSpec.Direction.BIDIRECTIONAL_CONCAT,
                    LayerSpec.Direction.BIDIRECTIONAL_ADD)) {
                cases.add(Arguments.of(d + ", output " + output, output, List.of(lstm(6, d))));
            }
            cases.add(Arguments.of("two stacked CONCAT, output " + output, output, List.of(
                    lstm(5, LayerSpec.Direction.BIDIRECTIONAL_CONCAT),
                    lstm(4, LayerSpec.Direction.BIDIRECTIONAL_CONCAT))));
        }
        return cases.stream();
    }

    private static NetworkSpec spec(List<LayerSpec> recurrent, OutputMode output) {
        List<LayerSpec> layers = new ArrayList<>(recurrent);
        layers.add(new LayerSpec.Output());
        return new NetworkSpec("t", Shape.sequence(FEATURES), layers, CLASSES, output);
    }

    private static MultiLayerNetwork network(NetworkSpec spec, LstmKernel kernel) {
        return NetworkFactory.build(NetworkFactory.configuration(spec, ADAM, 7, 0, ConvBlocks.SEPARATE_DL4J,
                kernel));
    }

    /** Seven sequences of 2 to 9 steps, so the minibatch is padded and masked. */
    private static SequenceSet data(OutputMode output) {
        return TestData.sequences(7, FEATURES, 2, 9, CLASSES, output == OutputMode.LAST
                ? SequenceSet.Labels.PER_SEQUENCE : SequenceSet.Labels.PER_STEP, 13);
    }

    private static DataSet batch(SequenceSet set) {
        DataSet batch = set.minibatch(IntStream.range(0, set.size()).toArray(), 0, set.size());
        assertNotNull(batch.getFeaturesMaskArray(), "lengths differ, so the batch is masked");
        return batch;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forwardNetworks")
    void onednnLstmGivesDl4jsOutputsLossGradientsAndAdamSteps(String name, OutputMode output,
                                                              List<LayerSpec> layers) {
        NetworkSpec spec = spec(layers, output);
        MultiLayerNetwork dl4j = network(spec, LstmKernel.DL4J);
        MultiLayerNetwork onednn = network(spec, LstmKernel.ONEDNN);
        assertUsesOnednn(onednn, layers.size());
        assertArrayEquals(dl4j.params().toFloatVector(), onednn.params().toFloatVector(), 0f,
                "same parameters, same layout");
        DataSet batch = batch(data(output));

        assertClose(activations(dl4j, batch), activations(onednn, batch), OUTPUT_TOLERANCE, name + ": activations");
        Map<String, INDArray> expected = gradients(dl4j, batch);
        Map<String, INDArray> actual = gradients(onednn, batch);
        assertEquals(dl4j.score(), onednn.score(), OUTPUT_TOLERANCE, name + ": loss");
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((key, g) -> assertClose(List.of(g), List.of(actual.get(key)), GRADIENT_TOLERANCE,
                name + ": gradient of " + key));

        for (int i = 0; i < 4; i++) {
            dl4j.fit(batch);
            onednn.fit(batch);
        }
        assertClose(List.of(dl4j.params()), List.of(onednn.params()), GRADIENT_TOLERANCE,
                name + ": parameters after 4 Adam steps");
        assertEquals(dl4j.score(), onednn.score(), OUTPUT_TOLERANCE, name + ": loss after 4 Adam steps");
    }

    /**
     * The largest difference between a minibatch's gradient and the sum of its sequences' gradients, each fed alone
     * without padding (DL4J's gradient before the updater is a sum over examples; the updater divides it).
     */
    private static double paddingLeak(MultiLayerNetwork net, SequenceSet set) {
        Map<String, INDArray> batch = gradients(net, batch(set));
        double worst = 0;
        Map<String, INDArray> sum = null;
        for (int i = 0; i < set.size(); i++) {
            Map<String, INDArray> one = gradients(net, set.minibatch(new int[] {i}, 0, 1));
            if (sum == null) {
                sum = one;
            } else {
                Map<String, INDArray> s = sum;
                one.forEach((k, v) -> s.get(k).addi(v));
            }
        }
        for (Map.Entry<String, INDArray> e : sum.entrySet()) {
            worst = Math.max(worst, batch.get(e.getKey()).sub(e.getValue()).amaxNumber().doubleValue());
        }
        return worst;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bidirectionalNetworks")
    void bidirectionalOnednnLstmGivesDl4jsResultsUnpaddedAndItsSequencesResultsPadded(String name,
                                                                                      OutputMode output,
                                                                                      List<LayerSpec> layers) {
        NetworkSpec spec = spec(layers, output);
        MultiLayerNetwork dl4j = network(spec, LstmKernel.DL4J);
        MultiLayerNetwork onednn = network(spec, LstmKernel.ONEDNN);
        assertUsesOnednn(onednn, layers.size());
        assertArrayEquals(dl4j.params().toFloatVector(), onednn.params().toFloatVector(), 0f);

        // Sequences of one length, no mask: DL4J's Bidirectional is right, and the layer gives what it gives.
        DataSet even = TestData.sequences(5, FEATURES, 6, 6, CLASSES, output == OutputMode.LAST
                ? SequenceSet.Labels.PER_SEQUENCE : SequenceSet.Labels.PER_STEP, 17).minibatch(
                IntStream.range(0, 5).toArray(), 0, 5);
        assertEquals(null, even.getFeaturesMaskArray());
        assertClose(activations(dl4j, even), activations(onednn, even), OUTPUT_TOLERANCE, name + ": activations");
        Map<String, INDArray> expected = gradients(dl4j, even);
        Map<String, INDArray> actual = gradients(onednn, even);
        assertEquals(dl4j.score(), onednn.score(), OUTPUT_TOLERANCE, name + ": loss");
        expected.forEach((key, g) -> assertClose(List.of(g), List.of(actual.get(key)), GRADIENT_TOLERANCE,
                name + ": gradient of " + key));
        for (int i = 0; i < 4; i++) {
            dl4j.fit(even);
            onednn.fit(even);
        }
        assertClose(List.of(dl4j.params()), List.of(onednn.params()), GRADIENT_TOLERANCE,
                name + ": parameters after 4 Adam steps");

        // Different lengths: the minibatch gives its sequences' outputs, loss and gradients, each fed alone.
        SequenceSet set = data(output);
        assertBatchGivesItsSequencesOutputsAndLoss(onednn, set, name);
        double leak = paddingLeak(onednn, set);
        assertTrue(leak < GRADIENT_TOLERANCE, name + ": minibatch gradient minus the sum of the sequences' "
                + "gradients fed alone: " + leak);
        // DL4J's Bidirectional reverses the padded series, so its backward copy starts in the padding: the padded
        // steps' gradients reach the bias and the input gradient (and, once the block input's bias is not zero,
        // the outputs).
        double dl4jLeak = paddingLeak(dl4j, set);
        assertTrue(dl4jLeak > 1e-3, name + ": DL4J's minibatch gradient differs from its sequences' (" + dl4jLeak
                + "), so this data tells the two apart");
    }

    /** The padded minibatch's outputs at its sequences' steps and its loss are those of each sequence fed alone. */
    private static void assertBatchGivesItsSequencesOutputsAndLoss(MultiLayerNetwork net, SequenceSet set,
                                                                   String name) {
        DataSet batch = batch(set);
        INDArray out = net.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                batch.getLabelsMaskArray());
        double lossSum = 0;
        for (int i = 0; i < set.size(); i++) {
            DataSet single = set.minibatch(new int[] {i}, 0, 1);
            INDArray alone = net.output(single.getFeatures());
            INDArray row = out.rank() == 2 ? out.getRow(i, true)
                    : out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, set.length(i)));
            assertClose(List.of(alone), List.of(row), OUTPUT_TOLERANCE, name + ": sequence " + i + " output");
            lossSum += net.score(single);
        }
        assertEquals(lossSum / set.size(), net.score(batch), OUTPUT_TOLERANCE, name + ": loss");
    }

    @Test
    void forwardLstmMinibatchGivesItsSequencesOutputsLossAndGradientsFedAlone() {
        for (OutputMode output : OutputMode.values()) {
            NetworkSpec spec = spec(List.of(lstm(5, LayerSpec.Direction.FORWARD),
                    lstm(4, LayerSpec.Direction.FORWARD)), output);
            MultiLayerNetwork net = network(spec, LstmKernel.ONEDNN);
            assertBatchGivesItsSequencesOutputsAndLoss(net, data(output), output.name());
            double leak = paddingLeak(net, data(output));
            assertTrue(leak < GRADIENT_TOLERANCE, output + ": " + leak);
        }
    }

    @Test
    void primitivesBuiltForTwoThreadsComputeWhatOneThreadComputes() {
        NetworkSpec spec = spec(List.of(lstm(32, LayerSpec.Direction.BIDIRECTIONAL_CONCAT)), OutputMode.LAST);
        SequenceSet set = TestData.sequences(24, FEATURES, 5, 20, CLASSES, SequenceSet.Labels.PER_SEQUENCE, 3);
        DataSet batch = batch(set);
        List<List<INDArray>> results = new ArrayList<>();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Dnnl.setThreads(threads);
                MultiLayerNetwork net = network(spec, LstmKernel.ONEDNN);
                List<INDArray> r = new ArrayList<>(activations(net, batch));
                r.addAll(gradients(net, batch).values());
                results.add(r);
            }
        } finally {
            Dnnl.setThreads(0);
        }
        assertClose(results.get(0), results.get(1), OUTPUT_TOLERANCE, "1 thread against 2");
    }

    @Test
    void truncatedBpttTrainsAsDl4jDoes() {
        // Stored state between segments runs DL4J's own code inside the layer; the rest runs on oneDNN.
        NetworkSpec spec = spec(List.of(lstm(6, LayerSpec.Direction.FORWARD)), OutputMode.SEQUENCE);
        MultiLayerNetwork dl4j = NetworkFactory.build(NetworkFactory.configuration(spec, ADAM, 7, 3,
                ConvBlocks.SEPARATE_DL4J, LstmKernel.DL4J));
        MultiLayerNetwork onednn = NetworkFactory.build(NetworkFactory.configuration(spec, ADAM, 7, 3,
                ConvBlocks.SEPARATE_DL4J, LstmKernel.ONEDNN));
        assertInstanceOf(OnednnLstmLayer.class, onednn.getLayer(0));
        DataSet batch = batch(data(OutputMode.SEQUENCE));
        for (int i = 0; i < 3; i++) {
            dl4j.fit(batch);
            onednn.fit(batch);
        }
        assertClose(List.of(dl4j.params()), List.of(onednn.params()), GRADIENT_TOLERANCE,
                "parameters after 3 minibatches of truncated BPTT");
    }

    @Test
    void dl4jsLstmRunsWhatOneDnnCannotRunExactlyOrWhenOneDnnIsSwitchedOff() {
        NetworkSpec relu = spec(List.of(new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 4, Activation.RELU,
                LayerSpec.Direction.FORWARD)), OutputMode.SEQUENCE);
        assertEquals(org.deeplearning4j.nn.layers.recurrent.LSTM.class,
                network(relu, LstmKernel.ONEDNN).getLayer(0).getClass(), "ReLU block input: DL4J's LSTM");
        NetworkSpec tanh = spec(List.of(lstm(4, LayerSpec.Direction.FORWARD)), OutputMode.SEQUENCE);
        assertEquals(org.deeplearning4j.nn.layers.recurrent.LSTM.class,
                network(tanh, LstmKernel.DL4J).getLayer(0).getClass());
        String before = System.getProperty("sparktrain.onednn");
        System.setProperty("sparktrain.onednn", "false");
        try {
            assertEquals(LstmKernel.DL4J, LstmKernel.preferred());
            assertEquals(org.deeplearning4j.nn.layers.recurrent.LSTM.class,
                    NetworkFactory.network(tanh, ADAM, 1).getLayer(0).getClass(), "-Dsparktrain.onednn=false");
        } finally {
            if (before == null) {
                System.clearProperty("sparktrain.onednn");
            } else {
                System.setProperty("sparktrain.onednn", before);
            }
        }
        assertInstanceOf(OnednnLstmLayer.class, NetworkFactory.network(tanh, ADAM, 1).getLayer(0));
    }

    @Test
    void primitivesCreatedInOneThreadRunInAnother() throws Exception {
        NetworkSpec spec = spec(List.of(lstm(16, LayerSpec.Direction.FORWARD)), OutputMode.LAST);
        MultiLayerNetwork net = network(spec, LstmKernel.ONEDNN);
        DataSet batch = batch(data(OutputMode.LAST));
        List<INDArray> here = activations(net, batch);
        here.addAll(gradients(net, batch).values());
        List<INDArray> there = new ArrayList<>();
        Thread other = new Thread(() -> {
            there.addAll(activations(net, batch));
            there.addAll(gradients(net, batch).values());
        });
        other.start();
        other.join();
        assertClose(here, there, 0, "the same primitives run from a second thread");
    }

    private static void assertUsesOnednn(MultiLayerNetwork net, int recurrentLayers) {
        for (int i = 0; i < recurrentLayers; i++) {
            Layer layer = net.getLayer(i);
            if (layer instanceof LastTimeStepLayer l) {
                layer = l.getUnderlying();
            }
            if (layer instanceof BidirectionalLayer) {
                assertInstanceOf(OnednnLstm.class,
                        ((org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional) layer.conf().getLayer())
                                .getFwd());
            } else {
                assertInstanceOf(OnednnLstmLayer.class, layer);
            }
        }
    }

    /** Every layer's activations (training mode) on the masked minibatch. */
    private static List<INDArray> activations(MultiLayerNetwork net, DataSet batch) {
        net.setLayerMaskArrays(batch.getFeaturesMaskArray(), batch.getLabelsMaskArray());
        List<INDArray> out = new ArrayList<>();
        for (INDArray a : net.feedForward(batch.getFeatures(), true)) {
            out.add(a.dup());
        }
        net.clearLayerMaskArrays();
        out.add(net.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), batch.getLabelsMaskArray())
                .dup());
        return out;
    }

    /** The gradient of every parameter (by DL4J's key) of the loss on {@code batch}; the score is kept. */
    private static Map<String, INDArray> gradients(MultiLayerNetwork net, DataSet batch) {
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.setLayerMaskArrays(batch.getFeaturesMaskArray(), batch.getLabelsMaskArray());
        net.computeGradientAndScore();
        Map<String, INDArray> g = new java.util.TreeMap<>();
        net.gradient().gradientForVariable().forEach((k, v) -> g.put(k, v.dup()));
        net.clearLayerMaskArrays();
        return g;
    }

    private static void assertClose(List<INDArray> expected, List<INDArray> actual, double tolerance,
                                    String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).shape(), actual.get(i).shape(), what + " [" + i + "] shape");
            double worst = expected.get(i).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .sub(actual.get(i).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber()
                    .doubleValue();
            assertTrue(worst <= tolerance, what + " [" + i + "]: off by " + worst + " > " + tolerance);
        }
    }
}
