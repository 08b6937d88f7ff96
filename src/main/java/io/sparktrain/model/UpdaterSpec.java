package io.sparktrain.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The optimiser each worker runs between averagings.
 *
 * @param kind which rule
 * @param learningRate step size
 * @param momentum momentum coefficient (sgd: 0 for plain SGD; nesterovs)
 */
public record UpdaterSpec(Kind kind, double learningRate, double momentum) {

    /** The update rules on offer. */
    public enum Kind {
        ADAM,
        /** SGD, with classical (heavy-ball) momentum when momentum > 0. */
        SGD,
        /** SGD with Nesterov momentum. */
        NESTEROVS
    }

    /** The DL4J updater configuration. */
    public IUpdater toUpdater() {
        return switch (kind) {
            case ADAM -> new Adam(learningRate);
            case SGD -> momentum == 0 ? new Sgd(learningRate) : new MomentumSgd(learningRate, momentum);
            case NESTEROVS -> new Nesterovs(learningRate, momentum);
        };
    }
}
