package io.sparktrain.model;

import io.sparktrain.nn.Dnnl;

/** How an LSTM layer runs. */
public enum LstmKernel {
    /** oneDNN's LSTM primitives ({@link io.sparktrain.nn.OnednnLstm}), where they compute exactly what DL4J does. */
    ONEDNN,
    /** DL4J's own LSTM layer. */
    DL4J;

    /** oneDNN when it loads and {@code -Dsparktrain.onednn=false} is not set. */
    public static LstmKernel preferred() {
        return Dnnl.usable() ? ONEDNN : DL4J;
    }
}
