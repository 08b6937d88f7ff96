package io.sparktrain.model;

import io.sparktrain.nn.Dnnl;

/** How a convolution followed by pooling runs. */
public enum ConvBlocks {
    /** One oneDNN block per convolution + activation + pooling pair ({@link io.sparktrain.nn.FusedConvPool}). */
    FUSED_ONEDNN,
    /** DL4J's separate convolution and subsampling layers. */
    SEPARATE_DL4J;

    /**
     * Fused when oneDNN loads and {@code -Dsparktrain.onednn=false} is not set: measured faster on this project's
     * machines (docs/benchmarks.md).
     */
    public static ConvBlocks preferred() {
        return Dnnl.usable() ? FUSED_ONEDNN : SEPARATE_DL4J;
    }
}
