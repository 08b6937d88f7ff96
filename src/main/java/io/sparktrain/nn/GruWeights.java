package io.sparktrain.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One direction's GRU parameters (or their gradients) as {@link GruParams} lays them out, gate blocks r, z, n.
 *
 * @param w input weights {@code [nIn, 3 units]}
 * @param rw recurrent weights {@code [units, 3 units]}
 * @param b input bias {@code [1, 3 units]}
 * @param rb recurrent bias {@code [1, 3 units]}
 */
record GruWeights(INDArray w, INDArray rw, INDArray b, INDArray rb) {

    /** Values per step. */
    long units() {
        return rw.size(0);
    }

    /** Inputs per step. */
    long inputs() {
        return w.size(0);
    }
}
