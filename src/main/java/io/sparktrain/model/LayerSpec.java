package io.sparktrain.model;

/**
 * One layer of a feed-forward network as the job configuration describes it, before any library sees it. The last
 * layer of a network is always an {@link Output}.
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

    /** Softmax over the classes, trained with multi-class cross-entropy. */
    record Output() implements LayerSpec {
        @Override
        public String type() {
            return "output";
        }
    }
}
