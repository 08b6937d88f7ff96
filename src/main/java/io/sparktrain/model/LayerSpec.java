package io.sparktrain.model;

/**
 * One layer of a network as the job configuration describes it, before any library sees it. The last layer of a
 * network is always an {@link Output}. Every record checks its own settings when it is made and holds its own
 * defaults (the {@code of} factories), so a network written in Java fails with the same one-line messages as one
 * read from a job file.
 */
public sealed interface LayerSpec {

    /** The name used in configuration files and messages. */
    String type();

    /**
     * 2-D convolution: {@code filters} kernels of {@code kernelH x kernelW} slide over the input with the given
     * stride, padding and dilation; output size per axis is (W - K' + 2P) / S + 1 with K' = K + (K - 1)(D - 1).
     *
     * @param alpha the negative slope of {@link Activation#LEAKYRELU}, in (0, 1) (ignored by the others)
     */
    record Conv(int filters, int kernelH, int kernelW, int strideH, int strideW, Padding padding, int dilationH,
                int dilationW, Activation activation, double alpha) implements LayerSpec {
        /** Validates every setting. */
        public Conv {
            positive("conv", "filters", filters);
            positive("conv", "kernel", kernelH, kernelW);
            positive("conv", "stride", strideH, strideW);
            positive("conv", "dilation", dilationH, dilationW);
            checkPadding("conv", padding);
            if (activation == null) {
                throw ModelSpecException.invalid("conv", "activation", "be set", null);
            }
            checkAlpha("conv", activation, alpha);
        }

        /** A square kernel, stride 1, no padding or dilation, ReLU. */
        public static Conv of(int filters, int kernel) {
            return new Conv(filters, kernel, kernel, 1, 1, Padding.VALID, 1, 1, Activation.RELU, DEFAULT_ALPHA);
        }

        /** The same convolution with {@code padding}. */
        public Conv withPadding(Padding padding) {
            return new Conv(filters, kernelH, kernelW, strideH, strideW, padding, dilationH, dilationW, activation,
                    alpha);
        }

        /** The same convolution with {@code activation}. */
        public Conv withActivation(Activation activation) {
            return new Conv(filters, kernelH, kernelW, strideH, strideW, padding, dilationH, dilationW, activation,
                    alpha);
        }

        @Override
        public String type() {
            return "conv";
        }
    }

    /** Max or average pooling over {@code kernelH x kernelW} windows; no parameters. */
    record Pool(boolean max, int kernelH, int kernelW, int strideH, int strideW, Padding padding) implements LayerSpec {
        /** Validates every setting. */
        public Pool {
            String type = max ? "maxpool" : "avgpool";
            positive(type, "kernel", kernelH, kernelW);
            positive(type, "stride", strideH, strideW);
            checkPadding(type, padding);
        }

        /** A square window whose stride is its size (the default), without padding. */
        public static Pool of(boolean max, int kernel) {
            return new Pool(max, kernel, kernel, kernel, kernel, Padding.VALID);
        }

        @Override
        public String type() {
            return max ? "maxpool" : "avgpool";
        }
    }

    /** Dropout: during training each activation is zeroed with probability {@code rate} (PyTorch's meaning). */
    record Dropout(double rate) implements LayerSpec {
        /** {@code rate} in [0, 1). */
        public Dropout {
            if (!(rate >= 0 && rate < 1)) {
                throw ModelSpecException.invalid("dropout", "rate", "be in [0, 1)", rate);
            }
        }

        @Override
        public String type() {
            return "dropout";
        }
    }

    /** Fully connected layer; a convolutional input is flattened first. */
    record Dense(int units, Activation activation, double alpha) implements LayerSpec {
        /** Validates every setting. */
        public Dense {
            positive("dense", "units", units);
            if (activation == null) {
                throw ModelSpecException.invalid("dense", "activation", "be set", null);
            }
            checkAlpha("dense", activation, alpha);
        }

        /** ReLU units. */
        public static Dense of(int units) {
            return new Dense(units, Activation.RELU, DEFAULT_ALPHA);
        }

        @Override
        public String type() {
            return "dense";
        }
    }

    /**
     * A recurrent layer over a sequence, {@code units} values per step. {@link Cell#LSTM}: the input, forget and
     * output gates (sigmoid) decide what enters, stays in and leaves the cell state; {@code activation} (tanh by
     * default) squashes the candidate and the output. {@link Cell#SIMPLE_RNN}: h(t) = activation(W x(t) + R h(t-1)
     * + b). {@link Cell#GRU}: PyTorch's {@code nn.GRU} (reset and update gates, tanh candidate; see
     * {@link io.sparktrain.nn.Gru}), whose activation is always tanh. {@code direction} {@link Direction#FORWARD}
     * reads the sequence left to right; the bidirectional ones run a second layer right to left and concatenate
     * ({@code 2 x units} outputs) or add ({@code units}) the two.
     */
    record Recurrent(Cell cell, int units, Activation activation, Direction direction) implements LayerSpec {
        /** Validates every setting. */
        public Recurrent {
            if (cell == null || direction == null || activation == null) {
                throw ModelSpecException.invalid("recurrent", cell == null ? "cell" : direction == null
                        ? "direction" : "activation", "be set", null);
            }
            positive(direction == Direction.FORWARD ? cell.configName() : "bidirectional", "units", units);
            if (cell == Cell.GRU && activation != Activation.TANH) {
                throw ModelSpecException.invalid(direction == Direction.FORWARD ? "gru" : "bidirectional",
                        "activation", "be tanh for a GRU (its candidate is tanh, as in PyTorch)", activation);
            }
        }

        /** A forward layer with the default activation, tanh. */
        public static Recurrent of(Cell cell, int units) {
            return new Recurrent(cell, units, Activation.TANH, Direction.FORWARD);
        }

        @Override
        public String type() {
            return direction == Direction.FORWARD ? cell.configName() : "bidirectional";
        }

        /** Values per step this layer outputs. */
        public int outputSize() {
            return direction == Direction.BIDIRECTIONAL_CONCAT ? 2 * units : units;
        }
    }

    /** The recurrent cells: DL4J's LSTM and SimpleRnn layers, and sparktrain's own GRU layer. */
    enum Cell {
        LSTM("lstm"), SIMPLE_RNN("simple-rnn"), GRU("gru");

        private final String configName;

        Cell(String configName) {
            this.configName = configName;
        }

        /** The name in configuration files. */
        public String configName() {
            return configName;
        }
    }

    /** Which way a recurrent layer reads, and how a bidirectional one merges its two directions. */
    enum Direction {
        FORWARD, BIDIRECTIONAL_CONCAT, BIDIRECTIONAL_ADD
    }

    /** Softmax over the classes, trained with multi-class cross-entropy. */
    record Output() implements LayerSpec {
        @Override
        public String type() {
            return "output";
        }
    }

    /** Leaky ReLU's negative slope unless a layer sets {@code alpha}. */
    double DEFAULT_ALPHA = 0.01;

    private static void positive(String type, String setting, int... values) {
        for (int v : values) {
            if (v <= 0) {
                throw ModelSpecException.invalid(type, setting, "be > 0",
                        values.length == 1 ? String.valueOf(v) : java.util.Arrays.toString(values));
            }
        }
    }

    private static void checkPadding(String type, Padding padding) {
        if (padding == null) {
            throw ModelSpecException.invalid(type, "padding", "be set", null);
        }
        if (padding.height() < 0 || padding.width() < 0) {
            throw ModelSpecException.invalid(type, "padding", "be >= 0", padding);
        }
    }

    private static void checkAlpha(String type, Activation activation, double alpha) {
        if (activation == Activation.LEAKYRELU && !(alpha > 0 && alpha < 1)) {
            throw ModelSpecException.invalid(type, "alpha", "be in (0, 1)", alpha);
        }
    }
}
