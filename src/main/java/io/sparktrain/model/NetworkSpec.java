package io.sparktrain.model;

import java.util.List;

/**
 * A classifier: the shape of its input, its layers (the last an {@link LayerSpec.Output}), its number of classes
 * and what it predicts for a sequence. Building one checks the shapes.
 *
 * @param name a preset's name, or {@code model.layers} for an explicit list (used in messages)
 * @param input shape of one example
 * @param layers the layers
 * @param classes number of output classes
 * @param output one class per example or per time step
 */
public record NetworkSpec(String name, Shape input, List<LayerSpec> layers, int classes, OutputMode output) {

    /** Validates the shapes; throws {@link ModelSpecException} naming the first layer that does not fit. */
    public NetworkSpec {
        layers = List.copyOf(layers);
        ShapeInference.infer(input, layers, classes, output, name);
    }

    /** A network with one prediction per example. */
    public NetworkSpec(String name, Shape input, List<LayerSpec> layers, int classes) {
        this(name, input, layers, classes, OutputMode.LAST);
    }

    /** The output shape of each layer, in order. */
    public List<Shape> shapes() {
        return ShapeInference.infer(input, layers, classes, output, name);
    }

    /** The same layers for sequences of {@code features} values per step and {@code classes} classes. */
    public NetworkSpec resized(int features, int classes) {
        return new NetworkSpec(name, Shape.sequence(features), layers, classes, output);
    }

    /** True when the network reads sequences. */
    public boolean recurrent() {
        return input.sequence();
    }

    /** One line per layer: index, type and output shape. */
    public String summary() {
        StringBuilder s = new StringBuilder(name + ": input " + input);
        List<Shape> shapes = shapes();
        for (int i = 0; i < layers.size(); i++) {
            s.append(String.format("%n  %2d %-13s -> %s", i, layers.get(i).type(), shapes.get(i)));
        }
        return s.toString();
    }
}
