package io.sparktrain.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One direction of a GRU over a left-to-right, time-major minibatch: row {@code t * batch + b} of every array is
 * example b at step t. The state {@link #backward} needs is kept from the last {@link #forward}.
 */
interface GruDirection {

    /**
     * @param x inputs {@code [steps * batch, nIn]}, row-major
     * @param training whether {@link #backward} will follow
     * @return the outputs h {@code [steps * batch, units]}, a new row-major array
     */
    INDArray forward(INDArray x, int steps, int batch, GruWeights weights, boolean training);

    /**
     * Backpropagates through the last {@link #forward}.
     *
     * @param dh the loss gradient with respect to every output, {@code [steps * batch, units]}
     * @param gradients overwritten with the parameter gradients
     * @return the gradient with respect to the inputs, {@code [steps * batch, nIn]}
     */
    INDArray backward(INDArray dh, GruWeights gradients);
}
