package io.sparktrain.model;

import java.util.List;

/**
 * A feed-forward classifier: the shape of its input, its layers (the last an {@link LayerSpec.Output}) and its
 * number of classes. Building one checks the shapes.
 *
 * @param name a preset's name, or {@code model.layers} for an explicit list (used in messages)
 * @param input shape of one example
 * @param layers the layers
 * @param classes number of output classes
 */
public record NetworkSpec(String name, Shape input, List<LayerSpec> layers, int classes) {

    /** Validates the shapes; throws {@link ModelSpecException} naming the first layer that does not fit. */
    public NetworkSpec {
        layers = List.copyOf(layers);
        ShapeInference.infer(input, layers, classes, name);
    }

    /** The output shape of each layer, in order. */
    public List<Shape> shapes() {
        return ShapeInference.infer(input, layers, classes, name);
    }

    /** One line per layer: index, type and output shape. */
    public String summary() {
        StringBuilder s = new StringBuilder(name + ": input " + input);
        List<Shape> shapes = shapes();
        for (int i = 0; i < layers.size(); i++) {
            s.append(String.format("%n  %2d %-8s -> %s", i, layers.get(i).type(), shapes.get(i)));
        }
        return s.toString();
    }
}
