package io.sparktrain.nn;

/**
 * Sizes of one convolution + pooling block for one minibatch: input {@code [n, inChannels, height, width]},
 * weights {@code [outChannels, inChannels, kernelH, kernelW]}, convolution output {@code [n, outChannels, convH,
 * convW]} with {@code convH = (height - kernelH + 2 padH) / strideH + 1}, pooled output {@code [n, outChannels,
 * (convH - poolH) / poolStrideH + 1, ...]}. Divisions truncate, as in DL4J's Truncate mode.
 */
record BlockGeometry(long n, long inChannels, long height, long width, long outChannels, int kernelH, int kernelW,
                     int strideH, int strideW, int padH, int padW, int poolH, int poolW, int poolStrideH,
                     int poolStrideW) {

    long convH() {
        return (height - kernelH + 2L * padH) / strideH + 1;
    }

    long convW() {
        return (width - kernelW + 2L * padW) / strideW + 1;
    }

    long[] inputShape() {
        return new long[] {n, inChannels, height, width};
    }

    long[] weightShape() {
        return new long[] {outChannels, inChannels, kernelH, kernelW};
    }

    long[] convShape() {
        return new long[] {n, outChannels, convH(), convW()};
    }

    long[] outputShape() {
        return new long[] {n, outChannels, (convH() - poolH) / poolStrideH + 1, (convW() - poolW) / poolStrideW + 1};
    }

    /** The bottom and right padding that gives exactly {@link #convH()} x {@link #convW()} (may be < the top). */
    long[] convPadRight() {
        return new long[] {(convH() - 1) * strideH + kernelH - height - padH,
            (convW() - 1) * strideW + kernelW - width - padW};
    }
}
