package io.sparktrain.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.model.Activation;
import io.sparktrain.model.ConvBlocks;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Presets;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The oneDNN convolution + pooling block computes what DL4J's separate layers compute. */
class FusedConvPoolTest {
    private static final UpdaterSpec ADAM = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);

    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of("two blocks, ReLU, max 2x2 (the MNIST preset's shape)", Shape.map(1, 12, 12), List.of(
                        conv(4, 3, 1, 1, Activation.RELU), pool(true, 2, 2),
                        conv(6, 3, 1, 1, Activation.RELU), pool(true, 2, 2), new LayerSpec.Output())),
                Arguments.of("16 then 32 channels: the blocks pass oneDNN's layout between them",
                        Shape.map(1, 12, 12), List.of(conv(16, 3, 1, 1, Activation.RELU), pool(true, 2, 2),
                                conv(32, 3, 1, 1, Activation.RELU), pool(true, 2, 2), new LayerSpec.Output())),
                Arguments.of("tanh 5x5 pad 2, average 2x2 (LeNet-5's shape), 3 input channels", Shape.map(3, 12, 12),
                        List.of(conv(5, 5, 2, 1, Activation.TANH), pool(false, 2, 2),
                                conv(4, 3, 0, 1, Activation.TANH), pool(false, 2, 2), new LayerSpec.Output())),
                Arguments.of("sigmoid with 1x1 pooling, then leaky ReLU stride 2, overlapping max 3 stride 2",
                        Shape.map(2, 13, 13), List.of(conv(3, 3, 0, 1, Activation.SIGMOID), pool(true, 1, 1),
                                conv(5, 3, 0, 2, Activation.LEAKYRELU), pool(true, 3, 2),
                                new LayerSpec.Output())),
                Arguments.of("identity activation, odd sizes", Shape.map(2, 10, 6), List.of(
                        conv(3, 3, 1, 1, Activation.IDENTITY), pool(false, 2, 2), new LayerSpec.Output())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void fusedBlocksGiveDl4jsOutputsGradientsAndTrainingSteps(String name, Shape input, List<LayerSpec> layers) {
        NetworkSpec spec = new NetworkSpec("t", input, layers, 3);
        MultiLayerNetwork separate = NetworkFactory.build(
                NetworkFactory.configuration(spec, ADAM, 11, 0, ConvBlocks.SEPARATE_DL4J));
        MultiLayerNetwork fused = NetworkFactory.build(
                NetworkFactory.configuration(spec, ADAM, 11, 0, ConvBlocks.FUSED_ONEDNN));
        assertInstanceOf(FusedConvPoolLayer.class, fused.getLayer(0), name);
        assertTrue(fused.getnLayers() < separate.getnLayers(), name);
        // Same parameters in the same order, so parameter averaging and saved models do not care.
        assertArrayEquals(separate.params().toFloatVector(), fused.params().toFloatVector(), 0f);

        DataSet batch = randomBatch(input, 3, 16, 5);
        assertClose(separate.output(batch.getFeatures()), fused.output(batch.getFeatures()), 1e-5, "output");
        separate.setInput(batch.getFeatures());
        separate.setLabels(batch.getLabels());
        separate.computeGradientAndScore();
        fused.setInput(batch.getFeatures());
        fused.setLabels(batch.getLabels());
        fused.computeGradientAndScore();
        assertEquals(separate.score(), fused.score(), 1e-5, "loss");
        assertClose(separate.gradient().gradient(), fused.gradient().gradient(), 1e-4, "gradient");

        for (int i = 0; i < 4; i++) {
            separate.fit(batch);
            fused.fit(batch);
        }
        assertEquals(separate.score(), fused.score(), 1e-4, "loss after 4 Adam steps");
        assertClose(separate.params(), fused.params(), 1e-4, "parameters after 4 Adam steps");
    }

    @Test
    void theMnistPresetFusesBothBlocksAndItsConfigurationSurvivesJson() {
        NetworkSpec spec = new NetworkSpec("mnist", Shape.map(1, 28, 28),
                Presets.layers("two-block-cnn", null).orElseThrow(), 10);
        MultiLayerConfiguration conf = NetworkFactory.configuration(spec, ADAM, 1, 0, ConvBlocks.FUSED_ONEDNN);
        assertEquals(3, conf.getConfs().size());
        FusedConvPool second = (FusedConvPool) conf.getConf(1).getLayer();
        assertEquals(32, second.getNIn());
        assertEquals(64, second.getNOut());
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        MultiLayerNetwork net = NetworkFactory.build(back);
        assertEquals(64L * 7 * 7 * 10 + 10, net.getLayer(2).numParams());
        INDArray out = net.output(Nd4j.rand(DataType.FLOAT, 5, 1, 28, 28));
        assertArrayEquals(new long[] {5, 10}, out.shape());
    }

    @Test
    void blocksBuiltForTwoThreadsComputeWhatOneThreadComputes() {
        NetworkSpec spec = new NetworkSpec("mnist", Shape.map(1, 28, 28),
                Presets.layers("two-block-cnn", null).orElseThrow(), 10);
        DataSet batch = randomBatch(spec.input(), 10, 32, 9);
        INDArray[] outputs = new INDArray[2];
        INDArray[] gradients = new INDArray[2];
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Dnnl.setThreads(threads);
                MultiLayerNetwork net = NetworkFactory.build(
                        NetworkFactory.configuration(spec, ADAM, 3, 0, ConvBlocks.FUSED_ONEDNN));
                outputs[threads - 1] = net.output(batch.getFeatures());
                net.setInput(batch.getFeatures());
                net.setLabels(batch.getLabels());
                net.computeGradientAndScore();
                gradients[threads - 1] = net.gradient().gradient().dup();
            }
        } finally {
            Dnnl.setThreads(0);
        }
        assertClose(outputs[0], outputs[1], 1e-5, "output");
        assertClose(gradients[0], gradients[1], 1e-4, "gradient");
    }

    @Test
    void paddedPoolingStaysWithDl4jsLayers() {
        NetworkSpec spec = new NetworkSpec("p", Shape.map(1, 8, 8), List.of(conv(2, 3, 1, 1, Activation.RELU),
                new LayerSpec.Pool(true, 2, 2, 2, 2, Padding.of(1, 1)), new LayerSpec.Output()), 2);
        MultiLayerConfiguration conf = NetworkFactory.configuration(spec, ADAM, 1, 0, ConvBlocks.FUSED_ONEDNN);
        assertInstanceOf(SubsamplingLayer.class, conf.getConf(1).getLayer());
    }

    private static LayerSpec conv(int filters, int kernel, int pad, int stride, Activation activation) {
        return new LayerSpec.Conv(filters, kernel, kernel, stride, stride, Padding.of(pad, pad), 1, 1, activation,
                activation == Activation.LEAKYRELU ? 0.1 : 0);
    }

    private static LayerSpec pool(boolean max, int kernel, int stride) {
        return new LayerSpec.Pool(max, kernel, kernel, stride, stride, Padding.VALID);
    }

    private static DataSet randomBatch(Shape input, int classes, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, input.channels(), input.height(), input.width()).subi(0.3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 7 + 3) % classes, 1f);
        }
        return new DataSet(x, y);
    }

    private static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        float[] e = Nd4j.toFlattened('c', expected).toFloatVector();
        float[] a = Nd4j.toFlattened('c', actual).toFloatVector();
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        assertArrayEquals(e, a, (float) (relative * scale), what + " (scale " + scale + ")");
    }
}
