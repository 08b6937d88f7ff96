package io.sparktrain.model;

/**
 * One layer of a network as the job configuration describes it, before any library sees it. The last layer of a
 * network is always an {@link Output}.
 */
public sealed interface LayerSpec {

    /** The name used in configuration files and messages. */
    String type();

    /**
     * 2-D convolution: {@code filters} kernels of {@code kernelH x kernelW} slide over the input with the given
     * stride, padding and dilation; output size per axis is (W - K' + 2P) / S + 1 with K' = K + (K - 1)(D - 1).
     */
    record Conv(int filters, int kernelH, int kernelW, int strideH, int strideW, Padding padding, int dilationH,
                int dilationW, Activation activation, double alpha) implements LayerSpec {
        @Override
        public String type() {
            return "conv";
        }
    }

    /** Max or average pooling over {@code kernelH x kernelW} windows; no parameters. */
    record Pool(boolean max, int kernelH, int kernelW, int strideH, int strideW, Padding padding) implements LayerSpec {
        @Override
        public String type() {
            return max ? "maxpool" : "avgpool";
        }
    }

    /** Dropout: during training each activation is zeroed with probability {@code rate} (PyTorch's meaning). */
    record Dropout(double rate) implements LayerSpec {
        @Override
        public String type() {
            return "dropout";
        }
    }

    /** Fully connected layer; a convolutional input is flattened first. */
    record Dense(int units, Activation activation, double alpha) implements LayerSpec {
        @Override
        public String type() {
            return "dense";
        }
    }

    /**
     * A recurrent layer over a sequence, {@code units} values per step. {@link Cell#LSTM}: the input, forget and
     * output gates (sigmoid) decide what enters, stays in and leaves the cell state; {@code activation} (tanh by
     * default) squashes the candidate and the output. {@link Cell#SIMPLE_RNN}: h(t) = activation(W x(t) + R h(t-1)
     * + b). {@code direction} {@link Direction#FORWARD} reads the sequence left to right; the bidirectional ones run
     * a second layer right to left and concatenate ({@code 2 x units} outputs) or add ({@code units}) the two.
     */
    record Recurrent(Cell cell, int units, Activation activation, Direction direction) implements LayerSpec {
        @Override
        public String type() {
            return direction == Direction.FORWARD ? cell.configName() : "bidirectional";
        }

        /** Values per step this layer outputs. */
        public int outputSize() {
            return direction == Direction.BIDIRECTIONAL_CONCAT ? 2 * units : units;
        }
    }

    /** The recurrent cells DL4J 1.0.0-M2 has a layer for (it has no GRU layer). */
    enum Cell {
        LSTM("lstm"), SIMPLE_RNN("simple-rnn");

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
}
