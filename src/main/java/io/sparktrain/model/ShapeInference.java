package io.sparktrain.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Works out every layer's output shape before any network is built, with the convolution arithmetic
 * {@code out = (W - K' + 2P) / S + 1} (K' the dilated kernel). A window that does not tile its input exactly, or
 * leaves nothing, is rejected with a message naming the layer and the numbers, instead of being truncated silently.
 *
 * <p>Sequences: a recurrent layer maps a sequence to a sequence. With {@link OutputMode#LAST} the last recurrent
 * layer hands only its last unmasked step on, so the layers after it see a vector; with
 * {@link OutputMode#SEQUENCE} the output layer classifies every step.
 */
public final class ShapeInference {

    private ShapeInference() {
    }

    /**
     * @param input shape of one example
     * @param layers the layers, the last an {@link LayerSpec.Output}
     * @param classes number of classes (the output layer's size)
     * @param output one class per example or per step
     * @param where how messages name the layer list, e.g. {@code model.layers}
     * @return the output shape of each layer, in order
     * @throws ModelSpecException naming the first layer whose shape does not work out
     */
    public static List<Shape> infer(Shape input, List<LayerSpec> layers, int classes, OutputMode output,
                                    String where) {
        if (layers.isEmpty() || !(layers.get(layers.size() - 1) instanceof LayerSpec.Output)) {
            throw new ModelSpecException(where + " must end with an output layer ({ type = output })");
        }
        int lastRecurrent = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof LayerSpec.Recurrent) {
                lastRecurrent = i;
            }
        }
        if (input.sequence() && lastRecurrent < 0) {
            throw new ModelSpecException(where + ": the data are sequences but there is no recurrent layer (lstm, "
                    + "gru, simple-rnn, bidirectional); use a recurrent preset or data.format = mnist");
        }
        if (output == OutputMode.SEQUENCE && !input.sequence()) {
            throw new ModelSpecException(where + ": model.output = sequence needs sequence data "
                    + "(data.format = seq-mnist, csv or text)");
        }
        List<Shape> shapes = new ArrayList<>(layers.size());
        Shape current = input;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            String name = where + "[" + i + "] (" + layer.type() + ")";
            if (layer instanceof LayerSpec.Output && i != layers.size() - 1) {
                throw new ModelSpecException(name + ": only the last layer may be the output layer");
            }
            if (current.sequence() && (layer instanceof LayerSpec.Conv || layer instanceof LayerSpec.Pool
                    || layer instanceof LayerSpec.Dense)) {
                throw new ModelSpecException(name + ": cannot take a sequence; put " + layer.type() + " layers after "
                        + "the last recurrent layer, with model.output = last");
            }
            if (layer instanceof LayerSpec.Recurrent r) {
                if (!current.sequence()) {
                    throw new ModelSpecException(name + ": needs a sequence but its input is " + current
                            + (input.sequence() ? " (only the last recurrent layer's last step goes on with "
                            + "model.output = last)" : " (recurrent layers need sequence data: data.format = seq-mnist, csv or text)"));
                }
                current = i == lastRecurrent && output == OutputMode.LAST ? Shape.vector(r.outputSize())
                        : Shape.sequence(r.outputSize());
            } else if (layer instanceof LayerSpec.Conv c) {
                current = Shape.map(c.filters(),
                        axis(name, "height", current, c.kernelH(), c.strideH(), c.dilationH(), c.padding(), true),
                        axis(name, "width", current, c.kernelW(), c.strideW(), c.dilationW(), c.padding(), false));
            } else if (layer instanceof LayerSpec.Pool p) {
                current = Shape.map(current.channels(),
                        axis(name, "height", current, p.kernelH(), p.strideH(), 1, p.padding(), true),
                        axis(name, "width", current, p.kernelW(), p.strideW(), 1, p.padding(), false));
            } else if (layer instanceof LayerSpec.Dense d) {
                current = Shape.vector(d.units());
            } else if (layer instanceof LayerSpec.Output) {
                current = current.sequence() ? Shape.sequence(classes) : Shape.vector(classes);
            } // dropout keeps the shape
            shapes.add(current);
        }
        return shapes;
    }

    private static int axis(String name, String axis, Shape in, int kernel, int stride, int dilation, Padding padding,
                            boolean height) {
        if (in.flat()) {
            throw new ModelSpecException(name + ": needs a feature map but its input is a flat vector " + in
                    + " (put convolution and pooling before dense layers)");
        }
        int size = height ? in.height() : in.width();
        if (padding.mode() == Padding.Mode.SAME) {
            return (size + stride - 1) / stride;
        }
        int pad = padding.mode() == Padding.Mode.EXPLICIT ? (height ? padding.height() : padding.width()) : 0;
        int effective = kernel + (kernel - 1) * (dilation - 1);
        int span = size - effective + 2 * pad;
        String formula = "(" + size + " - " + effective + " + 2*" + pad + ")/" + stride + " + 1";
        if (span < 0) {
            throw new ModelSpecException(name + ": " + axis + " " + formula + " leaves no output: the "
                    + (dilation > 1 ? "dilated " : "") + "kernel (" + effective + ") is larger than the padded input ("
                    + (size + 2 * pad) + ")");
        }
        if (span % stride != 0) {
            throw new ModelSpecException(name + ": " + axis + " " + formula + " = "
                    + String.format("%.2f", (double) span / stride + 1)
                    + " is not a whole number; change the kernel, stride or padding");
        }
        return span / stride + 1;
    }
}
