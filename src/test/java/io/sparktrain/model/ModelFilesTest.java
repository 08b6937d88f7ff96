package io.sparktrain.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.nn.OnednnLstm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** Saved networks: plain DL4J inside, the project's network (fused, its own optimiser) when read back. */
class ModelFilesTest {
    private static final NetworkSpec CNN = new NetworkSpec("test", Shape.map(1, 12, 12), List.of(
            LayerSpec.Conv.of(8, 3).withPadding(Padding.of(1, 1)), LayerSpec.Pool.of(true, 2),
            LayerSpec.Conv.of(8, 3).withPadding(Padding.of(1, 1)), LayerSpec.Pool.of(false, 2),
            LayerSpec.Dense.of(16), new LayerSpec.Output()), 4);

    @Test
    void plainFormOfFusedBlocksIsTheSeparateLayersConfiguration() {
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);
        MultiLayerConfiguration fused = NetworkFactory.configuration(CNN, adam, 3, 0, ConvBlocks.FUSED_ONEDNN);
        assertTrue(fused.getConfs().stream().anyMatch(c -> c.getLayer() instanceof FusedConvPool));
        MultiLayerConfiguration separate = NetworkFactory.configuration(CNN, adam, 3, 0, ConvBlocks.SEPARATE_DL4J);
        MultiLayerConfiguration plain = ModelFiles.plain(fused);
        assertFalse(plain.toJson().contains("io.sparktrain"), plain.toJson());
        assertEquals(separate.getConfs().size(), plain.getConfs().size());
        for (int i = 0; i < separate.getConfs().size(); i++) {
            assertEquals(separate.getConf(i).getLayer().getClass(), plain.getConf(i).getLayer().getClass());
            assertEquals(separate.getInputPreProcess(i), plain.getInputPreProcess(i), "preprocessor " + i);
        }
    }

    @Test
    void oneDnnLstmsAreSavedAsDl4jsLstmAndRunOnOneDnnAgainWhenRead() throws IOException {
        NetworkSpec rnn = new NetworkSpec("seq", Shape.sequence(3), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 5, Activation.TANH, LayerSpec.Direction.FORWARD),
                new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 4, Activation.TANH,
                        LayerSpec.Direction.BIDIRECTIONAL_CONCAT),
                new LayerSpec.Output()), 4, OutputMode.LAST);
        MultiLayerNetwork net = NetworkFactory.network(rnn, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0), 5);
        assertTrue(net.getLayerWiseConfigurations().toJson().contains(OnednnLstm.class.getName()));
        DataSet batch = TestData.sequences(6, 3, 2, 8, 4, io.sparktrain.data.SequenceSet.Labels.PER_SEQUENCE, 3)
                .minibatch(IntStream.range(0, 6).toArray(), 0, 6);
        for (int i = 0; i < 2; i++) {
            net.fit(batch);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelFiles.write(net, ModelDescription.of(rnn), bytes);

        MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(bytes.toByteArray()), true);
        assertFalse(plain.getLayerWiseConfigurations().toJson().contains("io.sparktrain"));
        assertTrue(plain.getLayerWiseConfigurations().toJson().contains(LSTM.class.getName()));
        assertArrayEquals(net.params().toFloatVector(), plain.params().toFloatVector());

        MultiLayerNetwork own = ModelFiles.read(new ByteArrayInputStream(bytes.toByteArray())).network();
        assertEquals(net.getLayerWiseConfigurations().toJson(), own.getLayerWiseConfigurations().toJson());
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(),
                own.getUpdater().getStateViewArray().toFloatVector());
        // Unpadded sequences: DL4J's own layers compute the same.
        DataSet even = TestData.sequences(4, 3, 5, 5, 4, io.sparktrain.data.SequenceSet.Labels.PER_SEQUENCE, 4)
                .minibatch(IntStream.range(0, 4).toArray(), 0, 4);
        float[] expected = net.output(even.getFeatures()).dup('c').data().asFloat();
        assertArrayEquals(expected, own.output(even.getFeatures()).dup('c').data().asFloat(), 0f);
        assertArrayEquals(expected, plain.output(even.getFeatures()).dup('c').data().asFloat(), 1e-5f);
    }

    @Test
    void fusedAdamNetworkRoundTripsWithParametersStateAndOutputs() throws IOException {
        roundTrip(new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0));
    }

    @Test
    void classicalMomentumKeepsItsVelocityThroughThePlainFile() throws IOException {
        MultiLayerNetwork back = roundTrip(new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.05, 0.9));
        assertTrue(back.getLayerWiseConfigurations().toJson().contains(MomentumSgd.class.getName()));
    }

    @Test
    void gruNetworkRoundTripsWithParametersStateAndOutputs() throws IOException {
        NetworkSpec gru = new NetworkSpec("gru", Shape.sequence(3), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 6, Activation.TANH,
                        LayerSpec.Direction.BIDIRECTIONAL_CONCAT),
                new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 5, Activation.TANH, LayerSpec.Direction.FORWARD),
                new LayerSpec.Output()), 4, OutputMode.LAST);
        MultiLayerNetwork net = NetworkFactory.network(gru, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0), 5);
        SequenceSet data = TestData.sequences(16, 3, 2, 7, 4, SequenceSet.Labels.PER_SEQUENCE, 9);
        DataSet batch = data.minibatch(IntStream.range(0, 16).toArray(), 0, 16);
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelFiles.write(net, ModelDescription.of(gru), bytes);

        ModelFiles.Loaded back = ModelFiles.read(new ByteArrayInputStream(bytes.toByteArray()));
        assertEquals(ModelDescription.of(gru), back.description().orElseThrow());
        MultiLayerNetwork own = back.network();
        assertEquals(net.getLayerWiseConfigurations(), own.getLayerWiseConfigurations());
        assertArrayEquals(net.params().toFloatVector(), own.params().toFloatVector());
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(),
                own.getUpdater().getStateViewArray().toFloatVector());
        float[] expected = net.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), null).dup('c').data()
                .asFloat();
        assertArrayEquals(expected, own.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), null)
                .dup('c').data().asFloat(), 1e-6f);
        // Training goes on from the restored state exactly as from the original.
        net.fit(batch);
        own.fit(batch);
        assertArrayEquals(net.params().toFloatVector(), own.params().toFloatVector(), 1e-6f);
    }

    private static MultiLayerNetwork roundTrip(UpdaterSpec updater) throws IOException {
        MultiLayerNetwork net = NetworkFactory.network(CNN, updater, 5);
        ExampleSet data = TestData.images(32, 4, 12, 9);
        DataSet batch = data.minibatch(IntStream.range(0, 32).toArray(), 0, 32);
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelFiles.write(net, ModelDescription.of(CNN), bytes);

        MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertFalse(plain.getLayerWiseConfigurations().toJson().contains("io.sparktrain"));
        assertArrayEquals(net.params().toFloatVector(), plain.params().toFloatVector());

        ModelFiles.Loaded back = ModelFiles.read(new ByteArrayInputStream(bytes.toByteArray()));
        assertEquals(ModelDescription.of(CNN), back.description().orElseThrow());
        MultiLayerNetwork own = back.network();
        assertEquals(net.getLayerWiseConfigurations().toJson(), own.getLayerWiseConfigurations().toJson());
        assertArrayEquals(net.params().toFloatVector(), own.params().toFloatVector());
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(),
                own.getUpdater().getStateViewArray().toFloatVector());
        float[] expected = net.output(batch.getFeatures()).dup('c').data().asFloat();
        assertArrayEquals(expected, own.output(batch.getFeatures()).dup('c').data().asFloat(), 1e-6f);
        assertArrayEquals(expected, plain.output(batch.getFeatures()).dup('c').data().asFloat(), 1e-4f);
        return own;
    }
}
