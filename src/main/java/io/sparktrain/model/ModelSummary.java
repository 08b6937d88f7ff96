package io.sparktrain.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A network as Keras' {@code summary()} shows one: each layer the user wrote (fused blocks appear as their
 * convolution and pooling) with its output shape and parameter count, the totals, and the forward FLOPs, counted as
 * two per multiply-accumulate of the convolution, dense, recurrent and output layers (pooling, activations and
 * additions of biases are left out, as most FLOP counts do). Shapes come from {@link ShapeInference}, the same
 * inference that validates a job. For a recurrent network the FLOPs are per time step.
 *
 * @param spec the network
 * @param rows one per layer
 */
public record ModelSummary(NetworkSpec spec, List<Row> rows) {

    /**
     * One layer.
     *
     * @param index its position in the job's layer list
     * @param type its type as a job file names it
     * @param output its output shape
     * @param params its trainable parameters
     * @param flops forward FLOPs per example (per time step for a recurrent network)
     */
    public record Row(int index, String type, Shape output, long params, long flops) {
    }

    /** Counts every layer of {@code spec}. */
    public static ModelSummary of(NetworkSpec spec) {
        List<Shape> shapes = spec.shapes();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < spec.layers().size(); i++) {
            Shape in = i == 0 ? spec.input() : shapes.get(i - 1);
            Shape out = shapes.get(i);
            LayerSpec layer = spec.layers().get(i);
            long params = 0;
            long macs = 0;
            if (layer instanceof LayerSpec.Conv c) {
                long weights = (long) c.filters() * in.channels() * c.kernelH() * c.kernelW();
                params = weights + c.filters();
                macs = weights * out.height() * out.width();
            } else if (layer instanceof LayerSpec.Dense d) {
                params = in.size() * d.units() + d.units();
                macs = in.size() * d.units();
            } else if (layer instanceof LayerSpec.Recurrent r) {
                long gates = switch (r.cell()) {
                    case LSTM -> 4;
                    case GRU -> 3;
                    case SIMPLE_RNN -> 1;
                };
                long directions = r.direction() == LayerSpec.Direction.FORWARD ? 1 : 2;
                long perDirection = gates * r.units() * (in.channels() + r.units());
                // A GRU has an input and a recurrent bias per gate (the recurrent one sits inside r * (...)).
                long biases = (r.cell() == LayerSpec.Cell.GRU ? 2 : 1) * gates * r.units();
                params = directions * (perDirection + biases);
                macs = directions * perDirection;
            } else if (layer instanceof LayerSpec.Output) {
                long inputs = in.sequence() ? in.channels() : in.size();
                params = inputs * spec.classes() + spec.classes();
                macs = inputs * spec.classes();
            }
            rows.add(new Row(i, layer.type(), out, params, 2 * macs));
        }
        return new ModelSummary(spec, rows);
    }

    /** Trainable parameters in all (every parameter here is trainable). */
    public long totalParams() {
        return rows.stream().mapToLong(Row::params).sum();
    }

    /** Forward FLOPs per example (per time step for a recurrent network). */
    public long flops() {
        return rows.stream().mapToLong(Row::flops).sum();
    }

    /** The table, as Keras prints it: thousands separators, totals last. */
    public String table() {
        String rule = "=".repeat(62);
        StringBuilder s = new StringBuilder();
        s.append("Model: \"").append(spec.name()).append("\", input ").append(spec.input()).append('\n');
        s.append(String.format(" %-22s %-22s %14s%n", "Layer (type)", "Output Shape", "Param #"));
        s.append(rule).append('\n');
        for (Row r : rows) {
            s.append(String.format(" %-22s %-22s %,14d%n", r.index() + " (" + r.type() + ")", r.output(),
                    r.params()));
        }
        s.append(rule).append('\n');
        s.append(String.format("Total params: %,d%n", totalParams()));
        s.append(String.format("Trainable params: %,d%n", totalParams()));
        s.append(String.format("Non-trainable params: %,d%n", 0));
        s.append(String.format("Forward FLOPs per %s: %,d", spec.recurrent() ? "time step" : "example", flops()));
        return s.toString();
    }
}
