package io.sparktrain.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.sparktrain.RealMnist;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.SeqMnistSource;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.data.Split;
import io.sparktrain.model.Activation;
import io.sparktrain.model.ConvBlocks;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Presets;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import io.sparktrain.nn.FusedConvPool;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import onnx.Onnx;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Networks built as sparktrain builds them, trained briefly on real MNIST, exported, and run in ONNX Runtime: every
 * probability matches DL4J's {@code output(features, false)} on real test examples.
 */
class OnnxExportTest {
    /** Agreement required of every probability. */
    private static final double TOLERANCE = 1e-4;
    private static final int BATCH = 32;
    private static final int BATCHES = 60;
    private static final int TEST_EXAMPLES = 200;
    private static final UpdaterSpec ADAM = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 5e-3, 0);
    private static final Presets.RnnSettings ONE_LAYER =
            new Presets.RnnSettings(64, 1, 0, LayerSpec.Direction.BIDIRECTIONAL_CONCAT);

    private static ExampleSet images;
    private static ExampleSet testImages;
    private static SequenceSet rows;
    private static SequenceSet testRows;

    @BeforeAll
    static void loadMnist() {
        String dir = RealMnist.dir();
        Configuration hadoop = new Configuration();
        images = new MnistSource(dir, BATCH * BATCHES, TEST_EXAMPLES).load(Split.TRAIN, hadoop);
        testImages = new MnistSource(dir, BATCH * BATCHES, TEST_EXAMPLES).load(Split.TEST, hadoop);
        rows = new SeqMnistSource(dir, BATCH * BATCHES, TEST_EXAMPLES, false).load(Split.TRAIN, hadoop);
        testRows = new SeqMnistSource(dir, BATCH * BATCHES, TEST_EXAMPLES, false).load(Split.TEST, hadoop);
    }

    // ------------------------------------------------------------------------------------------- convolutional

    @Test
    void twoBlockCnnPresetMatchesDl4j() throws OrtException {
        MultiLayerNetwork net = trainedCnn(preset("two-block-cnn", Shape.map(1, 28, 28)), ConvBlocks.SEPARATE_DL4J);
        assertAgreement("two-block-cnn", net, new long[] {1, 28, 28}, testImages(), 0.5);
    }

    @Test
    void twoBlockCnnWithFusedOneDnnBlocksMatchesDl4j() throws OrtException {
        MultiLayerNetwork net = trainedCnn(preset("two-block-cnn", Shape.map(1, 28, 28)), ConvBlocks.FUSED_ONEDNN);
        assertInstanceOf(FusedConvPool.class, net.getLayerWiseConfigurations().getConf(0).getLayer(),
                "the test must export fused blocks");
        assertAgreement("two-block-cnn fused", net, new long[] {1, 28, 28}, testImages(), 0.5);
    }

    @Test
    void lenet5PresetWithAveragePoolingTanhAndDenseLayersMatchesDl4j() throws OrtException {
        MultiLayerNetwork net = trainedCnn(preset("lenet5", Shape.map(1, 28, 28)), ConvBlocks.SEPARATE_DL4J);
        assertAgreement("lenet5", net, new long[] {1, 28, 28}, testImages(), 0.5);
    }

    @Test
    void lenet5WithFusedAveragePoolingBlocksMatchesDl4j() throws OrtException {
        MultiLayerNetwork net = trainedCnn(preset("lenet5", Shape.map(1, 28, 28)), ConvBlocks.FUSED_ONEDNN);
        assertInstanceOf(FusedConvPool.class, net.getLayerWiseConfigurations().getConf(0).getLayer());
        assertAgreement("lenet5 fused", net, new long[] {1, 28, 28}, testImages(), 0.5);
    }

    @Test
    void strideDilationSamePaddingLeakyReluPaddedPoolingAndDropoutMatchDl4j() throws OrtException {
        NetworkSpec spec = new NetworkSpec("options", Shape.map(1, 28, 28), List.of(
                // 3x3 stride 2 Same on 28: 14 out, one row of padding, at the bottom.
                new LayerSpec.Conv(16, 3, 3, 2, 2, Padding.SAME, 1, 1, Activation.LEAKYRELU, 0.1),
                // Dilation 2 (a 5x5 reach) with explicit padding 2 keeps 14.
                new LayerSpec.Conv(16, 3, 3, 1, 1, Padding.of(2, 2), 2, 2, Activation.RELU, 0),
                // Average 2x2 stride 2 padded by 1: the border windows half outside the input (14 -> 8).
                new LayerSpec.Pool(false, 2, 2, 2, 2, Padding.of(1, 1)),
                // Same with stride 2 and dilation 2 (8 -> 4): one row of padding above, two below.
                new LayerSpec.Conv(32, 3, 3, 2, 2, Padding.SAME, 2, 2, Activation.RELU, 0),
                // Max 3x3 stride 2 Same (4 -> 2), padded at the bottom and right only.
                new LayerSpec.Pool(true, 3, 3, 2, 2, Padding.SAME),
                // Average 2x2 stride 1 Same (2 -> 2): the last row and column average fewer cells.
                new LayerSpec.Pool(false, 2, 2, 1, 1, Padding.SAME),
                new LayerSpec.Dropout(0.3),
                new LayerSpec.Dense(64, Activation.LEAKYRELU, 0.2),
                new LayerSpec.Dropout(0.2),
                new LayerSpec.Dense(32, Activation.TANH, 0),
                new LayerSpec.Dense(32, Activation.IDENTITY, 0),
                new LayerSpec.Output()), 10);
        MultiLayerNetwork net = trainedCnn(spec, ConvBlocks.SEPARATE_DL4J);
        assertAgreement("cnn options", net, new long[] {1, 28, 28}, testImages(), 0.3);
    }

    @Test
    void denseNetworkOnFlatImagesMatchesDl4j() throws OrtException {
        NetworkSpec spec = new NetworkSpec("mlp", Shape.vector(784), List.of(
                new LayerSpec.Dense(64, Activation.RELU, 0), new LayerSpec.Dropout(0.2),
                new LayerSpec.Dense(32, Activation.SIGMOID, 0), new LayerSpec.Output()), 10);
        MultiLayerNetwork net = NetworkFactory.build(NetworkFactory.configuration(spec, ADAM, 7, 0,
                ConvBlocks.SEPARATE_DL4J));
        int[] order = IntStream.range(0, images.size()).toArray();
        for (int b = 0; b < BATCHES; b++) {
            DataSet batch = images.minibatch(order, b * BATCH, (b + 1) * BATCH);
            net.fit(new DataSet(batch.getFeatures().reshape(BATCH, 784), batch.getLabels()));
        }
        assertAgreement("dense", net, new long[] {784}, testImages().reshape(TEST_EXAMPLES, 784), 0.5);
    }

    // ----------------------------------------------------------------------------------------------- recurrent

    @Test
    void lstmOnSequentialMnistMatchesDl4jForAnyNumberOfSteps() throws OrtException {
        MultiLayerNetwork net = trainedRnn(recurrentPreset("lstm", ONE_LAYER, OutputMode.LAST), false);
        INDArray features = testRows();
        assertAgreement("lstm", net, new long[] {28, -1}, features, 0.3);
        // The steps are dynamic: the same model reads the first half of each image, and still takes the last step.
        INDArray half = features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 14)).dup();
        assertAgreement("lstm, 14 steps", net, new long[] {28, -1}, half, 0);
    }

    @Test
    void bidirectionalConcatLstmTakesTheLastStepOfBothDirections() throws OrtException {
        Presets.RnnSettings concat = new Presets.RnnSettings(32, 1, 0, LayerSpec.Direction.BIDIRECTIONAL_CONCAT);
        MultiLayerNetwork net = trainedRnn(recurrentPreset("bidirectional", concat, OutputMode.LAST), false);
        assertAgreement("bidirectional concat", net, new long[] {28, 28}, testRows(), 0.3);
    }

    @Test
    void bidirectionalAddLstmMatchesDl4j() throws OrtException {
        Presets.RnnSettings add = new Presets.RnnSettings(32, 1, 0, LayerSpec.Direction.BIDIRECTIONAL_ADD);
        MultiLayerNetwork net = trainedRnn(recurrentPreset("bidirectional", add, OutputMode.LAST), false);
        assertAgreement("bidirectional add", net, new long[] {28, 28}, testRows(), 0.3);
    }

    @Test
    void simpleRnnPresetMatchesDl4j() throws OrtException {
        MultiLayerNetwork net = trainedRnn(recurrentPreset("simple-rnn", ONE_LAYER, OutputMode.LAST), false);
        assertAgreement("simple-rnn", net, new long[] {28, 28}, testRows(), 0.3);
    }

    @Test
    void twoStackedLstmsWithDropoutBetweenMatchDl4j() throws OrtException {
        Presets.RnnSettings stacked = new Presets.RnnSettings(32, 2, 0.25, LayerSpec.Direction.BIDIRECTIONAL_CONCAT);
        NetworkSpec spec = recurrentPreset("lstm", stacked, OutputMode.LAST);
        assertInstanceOf(LayerSpec.Dropout.class, spec.layers().get(1));
        MultiLayerNetwork net = trainedRnn(spec, false);
        assertAgreement("stacked lstm + dropout", net, new long[] {28, 28}, testRows(), 0.3);
    }

    @Test
    void perStepOutputOfStackedBidirectionalLayersMatchesDl4jAtEveryStep() throws OrtException {
        NetworkSpec spec = new NetworkSpec("per-step", Shape.sequence(28), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.SIMPLE_RNN, 24, Activation.TANH,
                        LayerSpec.Direction.BIDIRECTIONAL_ADD),
                new LayerSpec.Dropout(0.2),
                new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 24, Activation.TANH,
                        LayerSpec.Direction.BIDIRECTIONAL_CONCAT),
                new LayerSpec.Output()), 10, OutputMode.SEQUENCE);
        MultiLayerNetwork net = trainedRnn(spec, true);
        assertAgreement("per-step output", net, new long[] {28, -1}, testRows(), 0.2);
    }

    @Test
    void gruPresetMatchesDl4jForAnyNumberOfSteps() throws OrtException {
        MultiLayerNetwork net = trainedRnn(recurrentPreset("gru", ONE_LAYER, OutputMode.LAST), false);
        INDArray features = testRows();
        assertAgreement("gru", net, new long[] {28, -1}, features, 0.3);
        INDArray half = features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 14)).dup();
        assertAgreement("gru, 14 steps", net, new long[] {28, -1}, half, 0);
    }

    @Test
    void bidirectionalConcatGruTakesTheLastStepOfBothDirections() throws OrtException {
        NetworkSpec spec = new NetworkSpec("bi-gru", Shape.sequence(28), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 32, Activation.TANH,
                        LayerSpec.Direction.BIDIRECTIONAL_CONCAT),
                new LayerSpec.Output()), 10, OutputMode.LAST);
        assertAgreement("bidirectional concat gru", trainedRnn(spec, false), new long[] {28, 28}, testRows(), 0.3);
    }

    @Test
    void perStepOutputOfStackedGrusWithAddMatchesDl4jAtEveryStep() throws OrtException {
        NetworkSpec spec = new NetworkSpec("per-step-gru", Shape.sequence(28), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 24, Activation.TANH,
                        LayerSpec.Direction.BIDIRECTIONAL_ADD),
                new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 24, Activation.TANH, LayerSpec.Direction.FORWARD),
                new LayerSpec.Output()), 10, OutputMode.SEQUENCE);
        assertAgreement("per-step gru", trainedRnn(spec, true), new long[] {28, -1}, testRows(), 0.2);
    }

    // -------------------------------------------------------------------------------------- the model and errors

    @Test
    void writtenModelDeclaresItsOpsetProducerAndDynamicBatch() throws Exception {
        MultiLayerNetwork net = NetworkFactory.build(NetworkFactory.configuration(
                preset("two-block-cnn", Shape.map(1, 28, 28)), ADAM, 3, 0, ConvBlocks.SEPARATE_DL4J));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OnnxExport.write(OnnxExport.toOnnx(net, new long[] {1, 28, 28}), out);
        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(out.toByteArray());

        assertEquals("sparktrain", model.getProducerName());
        assertEquals(7, model.getIrVersion());
        assertEquals(13, model.getOpsetImport(0).getVersion());
        assertEquals("input", model.getGraph().getInput(0).getName());
        assertEquals("N", model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals("probabilities", model.getGraph().getOutput(0).getName());
        assertEquals(10, model.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
    }

    @Test
    void unsupportedLayerIsRejectedNamingItsIndexAndClass() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder().nOut(10).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork net = untrained(conf);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.toOnnx(net, new long[] {1, 28, 28}));
        assertTrue(e.getMessage().contains("layer 1 (BatchNormalization)"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }

    @Test
    void optionsWithoutAnOnnxEquivalentAreRejectedNamingTheLayer() {
        MultiLayerNetwork multiply = untrained(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new Bidirectional(Bidirectional.Mode.MUL, new LSTM.Builder().nOut(4).build()))
                .layer(new RnnOutputLayer.Builder().nOut(10).activation(new ActivationSoftmax()).build())
                .setInputType(InputType.recurrent(28))
                .build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.toOnnx(multiply, new long[] {28, 28}));
        assertTrue(e.getMessage().contains("layer 0 (Bidirectional MUL(LSTM))"), e.getMessage());

        MultiLayerNetwork pnorm = untrained(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.PNORM).pnorm(2).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder().nOut(10).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toOnnx(pnorm, new long[] {1, 28, 28}));
        assertTrue(e.getMessage().contains("layer 1 (SubsamplingLayer)") && e.getMessage().contains("PNORM"),
                e.getMessage());
    }

    @Test
    void exampleShapeThatDoesNotFitTheFirstLayerIsRejected() {
        MultiLayerNetwork net = NetworkFactory.build(NetworkFactory.configuration(
                preset("two-block-cnn", Shape.map(1, 28, 28)), ADAM, 3, 0, ConvBlocks.SEPARATE_DL4J));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.toOnnx(net, new long[] {3, 28, 28}));
        assertTrue(e.getMessage().contains("layer 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OnnxExport.toOnnx(net, new long[] {28, 28}));
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private static MultiLayerNetwork untrained(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static NetworkSpec preset(String name, Shape input) {
        return new NetworkSpec(name, input, Presets.layers(name, ONE_LAYER).orElseThrow(), 10);
    }

    private static NetworkSpec recurrentPreset(String name, Presets.RnnSettings rnn, OutputMode output) {
        return new NetworkSpec(name, Shape.sequence(28), Presets.layers(name, rnn).orElseThrow(), 10, output);
    }

    private static MultiLayerNetwork trainedCnn(NetworkSpec spec, ConvBlocks blocks) {
        MultiLayerNetwork net = NetworkFactory.build(NetworkFactory.configuration(spec, ADAM, 7, 0, blocks));
        int[] order = IntStream.range(0, images.size()).toArray();
        for (int b = 0; b < BATCHES; b++) {
            net.fit(images.minibatch(order, b * BATCH, (b + 1) * BATCH));
        }
        return net;
    }

    /** @param perStep label every step with the image's digit, for a per-step output layer */
    private static MultiLayerNetwork trainedRnn(NetworkSpec spec, boolean perStep) {
        MultiLayerNetwork net = NetworkFactory.build(NetworkFactory.configuration(spec, ADAM, 7, 0,
                ConvBlocks.SEPARATE_DL4J));
        int[] order = IntStream.range(0, rows.size()).toArray();
        for (int b = 0; b < BATCHES; b++) {
            DataSet batch = rows.minibatch(order, b * BATCH, (b + 1) * BATCH);
            if (perStep) {
                INDArray y = batch.getLabels();
                long steps = batch.getFeatures().size(2);
                INDArray perStepLabels = Nd4j.create(DataType.FLOAT, y.size(0), y.size(1), steps);
                for (long t = 0; t < steps; t++) {
                    perStepLabels.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t)).assign(y);
                }
                batch = new DataSet(batch.getFeatures(), perStepLabels);
            }
            net.fit(batch);
        }
        return net;
    }

    private static INDArray testImages() {
        return testImages.toDataSet().getFeatures();
    }

    private static INDArray testRows() {
        int[] all = IntStream.range(0, testRows.size()).toArray();
        return testRows.minibatch(all, 0, all.length).getFeatures();
    }

    /**
     * Exports {@code net}, runs it in ONNX Runtime on {@code features} and compares with DL4J.
     *
     * @param minMeanConfidence the mean top probability DL4J's own outputs must reach, so that a network that
     *     learned nothing (near-uniform outputs, easy to match) cannot pass
     */
    private static void assertAgreement(String name, MultiLayerNetwork net, long[] exampleShape, INDArray features,
                                        double minMeanConfidence) throws OrtException {
        INDArray expected = net.output(features, false).castTo(DataType.FLOAT).dup('c');
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OnnxExport.write(OnnxExport.toOnnx(net, exampleShape), bytes);

        float[] actual;
        long[] shape;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(bytes.toByteArray(), options);
                 OnnxTensor input = OnnxTensor.createTensor(env,
                         FloatBuffer.wrap(features.castTo(DataType.FLOAT).dup('c').data().asFloat()),
                         features.shape());
                 OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
                OnnxTensor output = (OnnxTensor) result.get(OnnxExport.OUTPUT).orElseThrow();
                shape = output.getInfo().getShape();
                FloatBuffer buffer = output.getFloatBuffer();
                actual = new float[buffer.remaining()];
                buffer.get(actual);
            }
        }
        assertArrayEquals(expected.shape(), shape, name + ": output shape");
        float[] want = expected.data().asFloat();
        double maxDiff = 0;
        for (int k = 0; k < want.length; k++) {
            maxDiff = Math.max(maxDiff, Math.abs(want[k] - actual[k]));
        }
        // Read by the report: the agreement measured, per network.
        assertTrue(maxDiff <= TOLERANCE, name + ": max abs difference " + maxDiff + " > " + TOLERANCE);

        // Argmax over the class axis (axis 1), per example and step.
        long examples = shape[0];
        long classes = shape[1];
        long steps = shape.length == 3 ? shape[2] : 1;
        double confidence = 0;
        for (long n = 0; n < examples; n++) {
            for (long t = 0; t < steps; t++) {
                int bestWant = 0;
                int bestGot = 0;
                for (int c = 1; c < classes; c++) {
                    if (want[at(n, c, t, classes, steps)] > want[at(n, bestWant, t, classes, steps)]) {
                        bestWant = c;
                    }
                    if (actual[at(n, c, t, classes, steps)] > actual[at(n, bestGot, t, classes, steps)]) {
                        bestGot = c;
                    }
                }
                float top = want[at(n, bestWant, t, classes, steps)];
                confidence += top;
                // A near-tie within the tolerance may legitimately flip; anything else is a real disagreement.
                if (top - want[at(n, bestGot, t, classes, steps)] > 2 * TOLERANCE) {
                    assertEquals(bestWant, bestGot, name + ": argmax of example " + n + " step " + t);
                }
            }
        }
        confidence /= examples * steps;
        // Read by the report: the agreement measured, per network.
        System.out.printf("ONNX agreement %-24s max |DL4J - ONNX Runtime| = %.3g over %d probabilities, "
                + "mean top probability %.2f%n", name, maxDiff, want.length, confidence);
        assertTrue(confidence >= minMeanConfidence, name + ": DL4J's mean top probability " + confidence
                + " < " + minMeanConfidence + ", the network did not train enough to make the test meaningful");
    }

    private static int at(long n, long c, long t, long classes, long steps) {
        return (int) ((n * classes + c) * steps + t);
    }
}
