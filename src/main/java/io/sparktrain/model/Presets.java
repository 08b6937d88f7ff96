package io.sparktrain.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Named networks a job can ask for with {@code model.preset}. */
public final class Presets {

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
        return List.copyOf(PRESETS.keySet());
    }

    /** The layers of a preset, if one has that name. */
    public static java.util.Optional<List<LayerSpec>> layers(String name) {
        return java.util.Optional.ofNullable(PRESETS.get(name));
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
