package io.sparktrain.training;

import java.io.Serializable;

/**
 * What the driver broadcasts at the start of each averaging round: the network's configuration, its parameters and
 * optimiser state (flattened, in DL4J's order), and the counters the optimiser depends on (Adam's bias correction
 * uses the iteration count).
 *
 * @param configurationJson the DL4J network configuration
 * @param params flattened parameters
 * @param updaterState flattened optimiser state (empty for plain SGD)
 * @param iteration optimiser steps taken so far
 * @param epoch current epoch, 0-based
 */
record ModelState(String configurationJson, float[] params, float[] updaterState, int iteration, int epoch)
        implements Serializable {

    /** The same state in another epoch. */
    ModelState withEpoch(int newEpoch) {
        return new ModelState(configurationJson, params, updaterState, iteration, newEpoch);
    }
}
