package io.sparktrain.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Named networks a job can ask for with {@code model.preset}: fixed convolutional ones, and recurrent ones shaped
 * by {@code model.rnn} ({@link RnnSettings}).
 */
public final class Presets {

    /**
     * The size of a recurrent preset.
     *
     * @param units values per step of each recurrent layer ({@code model.rnn.units})
     * @param layers stacked recurrent layers ({@code model.rnn.layers})
     * @param dropout dropout rate between stacked layers, as PyTorch's {@code nn.LSTM(dropout=)}
     *     ({@code model.rnn.dropout})
     * @param merge how {@code bidirectional} joins its two directions ({@code model.rnn.merge})
     */
    public record RnnSettings(int units, int layers, double dropout, LayerSpec.Direction merge) {
        /** Validates, naming the key at fault. */
        public RnnSettings {
            if (units <= 0) {
                throw new ModelSpecException("model.rnn.units must be > 0, got " + units);
            }
            if (layers <= 0) {
                throw new ModelSpecException("model.rnn.layers must be > 0, got " + layers);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new ModelSpecException("model.rnn.dropout must be in [0, 1), got " + dropout);
            }
            if (merge == LayerSpec.Direction.FORWARD) {
                throw new ModelSpecException("model.rnn.merge must be concat or add");
            }
        }
    }

    private static final List<String> RECURRENT = List.of("lstm", "gru", "bidirectional", "simple-rnn");

    private static final Map<String, List<LayerSpec>> PRESETS = new TreeMap<>(Map.of(
            // conv 3x3x32 pad 1 + ReLU + max-pool 2, conv 3x3x64 pad 1 + ReLU + max-pool 2, dense softmax 10:
            // the network of ../peers/pytorch_mnist_cnn.py.
            "two-block-cnn", List.of(
                    conv(32, 3, 1, Activation.RELU), maxPool(2),
                    conv(64, 3, 1, Activation.RELU), maxPool(2),
                    new LayerSpec.Output()),
            // LeCun et al. 1998: 6 and 16 5x5 kernels with average pooling, then 120 and 84 units; the first
            // convolution is padded by 2 so that 28x28 MNIST gives the paper's 32x32 geometry.
            "lenet5", List.of(
                    conv(6, 5, 2, Activation.TANH), avgPool(2),
                    conv(16, 5, 0, Activation.TANH), avgPool(2),
                    new LayerSpec.Dense(120, Activation.TANH, 0), new LayerSpec.Dense(84, Activation.TANH, 0),
                    new LayerSpec.Output())));

    private Presets() {
    }

    /** The names of all presets. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(PRESETS.keySet());
        names.addAll(RECURRENT);
        return names;
    }

    /** True for a preset that reads sequences. */
    public static boolean recurrent(String name) {
        return RECURRENT.contains(name);
    }

    /**
     * The layers of a preset, if one has that name.
     *
     * @param rnn sizes a recurrent preset; ignored by the others
     */
    public static Optional<List<LayerSpec>> layers(String name, RnnSettings rnn) {
        if (!recurrent(name)) {
            return Optional.ofNullable(PRESETS.get(name));
        }
        LayerSpec.Cell cell = switch (name) {
            case "simple-rnn" -> LayerSpec.Cell.SIMPLE_RNN;
            case "gru" -> LayerSpec.Cell.GRU;
            default -> LayerSpec.Cell.LSTM;
        };
        LayerSpec.Direction direction = name.equals("bidirectional") ? rnn.merge() : LayerSpec.Direction.FORWARD;
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < rnn.layers(); i++) {
            if (i > 0 && rnn.dropout() > 0) {
                layers.add(new LayerSpec.Dropout(rnn.dropout()));
            }
            layers.add(new LayerSpec.Recurrent(cell, rnn.units(), Activation.TANH, direction));
        }
        layers.add(new LayerSpec.Output());
        return Optional.of(layers);
    }

    private static LayerSpec conv(int filters, int kernel, int pad, Activation activation) {
        return new LayerSpec.Conv(filters, kernel, kernel, 1, 1, Padding.of(pad, pad), 1, 1, activation, 0);
    }

    private static LayerSpec maxPool(int k) {
        return new LayerSpec.Pool(true, k, k, k, k, Padding.VALID);
    }

    private static LayerSpec avgPool(int k) {
        return new LayerSpec.Pool(false, k, k, k, k, Padding.VALID);
    }
}
