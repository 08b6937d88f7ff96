package io.sparktrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class ShapeInferenceTest {
    private static final Shape MNIST = Shape.map(1, 28, 28);

    private static final Presets.RnnSettings RNN = new Presets.RnnSettings(16, 2, 0.2,
            LayerSpec.Direction.BIDIRECTIONAL_CONCAT);

    private static LayerSpec conv(int filters, int k, int s, Padding p, int d) {
        return new LayerSpec.Conv(filters, k, k, s, s, p, d, d, Activation.RELU, 0.01);
    }

    @Test
    void twoBlockCnnShapesFollowTheConvolutionArithmetic() {
        List<Shape> shapes = new NetworkSpec("t", MNIST, Presets.layers("two-block-cnn", RNN).orElseThrow(), 10).shapes();
        assertEquals(List.of(Shape.map(32, 28, 28), Shape.map(32, 14, 14), Shape.map(64, 14, 14),
                Shape.map(64, 7, 7), Shape.vector(10)), shapes);
    }

    @Test
    void lenet5ShapesMatchThePaper() {
        List<Shape> shapes = new NetworkSpec("t", MNIST, Presets.layers("lenet5", RNN).orElseThrow(), 10).shapes();
        assertEquals(Shape.map(6, 28, 28), shapes.get(0));
        assertEquals(Shape.map(16, 10, 10), shapes.get(2));
        assertEquals(Shape.map(16, 5, 5), shapes.get(3));
        assertEquals(Shape.vector(120), shapes.get(4));
    }

    @Test
    void strideDilationAndSamePaddingAreAccountedFor() {
        List<LayerSpec> layers = List.of(
                conv(4, 4, 2, Padding.of(1, 1), 1),   // (28 - 4 + 2)/2 + 1 = 14
                conv(4, 3, 1, Padding.VALID, 2),      // dilated kernel 5: (14 - 5)/1 + 1 = 10
                conv(4, 3, 3, Padding.SAME, 1),       // ceil(10 / 3) = 4
                new LayerSpec.Output());
        List<Shape> shapes = ShapeInference.infer(MNIST, layers, 10, OutputMode.LAST, "model.layers");
        assertEquals(Shape.map(4, 14, 14), shapes.get(0));
        assertEquals(Shape.map(4, 10, 10), shapes.get(1));
        assertEquals(Shape.map(4, 4, 4), shapes.get(2));
    }

    @Test
    void windowThatDoesNotTileItsInputNamesTheLayerAndTheNumbers() {
        List<LayerSpec> layers = List.of(conv(8, 3, 1, Padding.VALID, 1),   // 26
                new LayerSpec.Pool(true, 3, 3, 2, 2, Padding.VALID),        // (26 - 3)/2 + 1 = 12.5
                new LayerSpec.Output());
        ModelSpecException e = assertThrows(ModelSpecException.class,
                () -> ShapeInference.infer(MNIST, layers, 10, OutputMode.LAST, "model.layers"));
        assertEquals("model.layers[1] (maxpool): height (26 - 3 + 2*0)/2 + 1 = 12.50 is not a whole number; "
                + "change the kernel, stride or padding", e.getMessage());
    }

    @Test
    void kernelLargerThanItsInputIsRejected() {
        List<LayerSpec> layers = List.of(conv(8, 30, 1, Padding.VALID, 1), new LayerSpec.Output());
        ModelSpecException e = assertThrows(ModelSpecException.class,
                () -> ShapeInference.infer(MNIST, layers, 10, OutputMode.LAST, "model.layers"));
        assertTrue(e.getMessage().startsWith("model.layers[0] (conv): height (28 - 30 + 2*0)/1 + 1 leaves no output"),
                e.getMessage());
    }

    @Test
    void convolutionAfterADenseLayerAndAMissingOutputAreRejected() {
        assertThrows(ModelSpecException.class, () -> ShapeInference.infer(MNIST,
                List.of(new LayerSpec.Dense(10, Activation.RELU, 0), conv(4, 3, 1, Padding.VALID, 1),
                        new LayerSpec.Output()), 10, OutputMode.LAST, "model.layers"));
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ShapeInference.infer(MNIST,
                List.of(conv(4, 3, 1, Padding.VALID, 1)), 10, OutputMode.LAST, "model.layers"));
        assertTrue(e.getMessage().contains("must end with an output layer"));
    }

    @Test
    void recurrentPresetsStackLayersWithDropoutBetweenThem() {
        List<LayerSpec> layers = Presets.layers("bidirectional", RNN).orElseThrow();
        assertEquals(List.of("bidirectional", "dropout", "bidirectional", "output"),
                layers.stream().map(LayerSpec::type).toList());
        NetworkSpec last = new NetworkSpec("t", Shape.sequence(28), layers, 10, OutputMode.LAST);
        assertEquals(List.of(Shape.sequence(32), Shape.sequence(32), Shape.vector(32), Shape.vector(10)),
                last.shapes());
        NetworkSpec each = new NetworkSpec("t", Shape.sequence(28), layers, 10, OutputMode.SEQUENCE);
        assertEquals(Shape.sequence(10), each.shapes().get(3));
        assertEquals(List.of("simple-rnn", "dropout", "simple-rnn", "output"),
                Presets.layers("simple-rnn", RNN).orElseThrow().stream().map(LayerSpec::type).toList());
    }

    @Test
    void recurrentLayersAndSequenceDataMustMeet() {
        LayerSpec lstm = new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 8, Activation.TANH,
                LayerSpec.Direction.FORWARD);
        ModelSpecException onImages = assertThrows(ModelSpecException.class, () -> ShapeInference.infer(MNIST,
                List.of(lstm, new LayerSpec.Output()), 10, OutputMode.LAST, "preset lstm"));
        assertTrue(onImages.getMessage().contains("needs a sequence"), onImages.getMessage());
        ModelSpecException noRecurrent = assertThrows(ModelSpecException.class, () -> ShapeInference.infer(
                Shape.sequence(3), List.of(new LayerSpec.Output()), 10, OutputMode.LAST, "model.layers"));
        assertTrue(noRecurrent.getMessage().contains("no recurrent layer"), noRecurrent.getMessage());
        ModelSpecException denseOnSteps = assertThrows(ModelSpecException.class, () -> ShapeInference.infer(
                Shape.sequence(3), List.of(lstm, new LayerSpec.Dense(4, Activation.RELU, 0), new LayerSpec.Output()),
                10, OutputMode.SEQUENCE, "model.layers"));
        assertTrue(denseOnSteps.getMessage().startsWith("model.layers[1] (dense): cannot take a sequence"),
                denseOnSteps.getMessage());
        // Many-to-one: a dense layer after the last step is fine.
        assertEquals(Shape.vector(4), ShapeInference.infer(Shape.sequence(3),
                List.of(lstm, new LayerSpec.Dense(4, Activation.RELU, 0), new LayerSpec.Output()), 10,
                OutputMode.LAST, "model.layers").get(1));
    }

    @Test
    void builtNetworkProducesTheInferredOutputShape() {
        NetworkSpec spec = new NetworkSpec("t", Shape.map(1, 12, 12), List.of(
                conv(3, 4, 2, Padding.of(1, 1), 1), new LayerSpec.Pool(false, 2, 2, 2, 2, Padding.VALID),
                new LayerSpec.Dropout(0.5), new LayerSpec.Dense(7, Activation.LEAKYRELU, 0.1),
                new LayerSpec.Output()), 5);
        MultiLayerNetwork net = NetworkFactory.network(spec, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 1e-3, 0), 1);
        long[] out = net.feedForward(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 12, 12), false)
                .get(2).shape(); // activations after layer 1 (the pooling)
        Shape pooled = spec.shapes().get(1);
        assertEquals(List.of(2L, (long) pooled.channels(), (long) pooled.height(), (long) pooled.width()),
                java.util.Arrays.stream(out).boxed().toList());
        assertEquals(5, net.output(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 12, 12)).size(1));
    }
}
