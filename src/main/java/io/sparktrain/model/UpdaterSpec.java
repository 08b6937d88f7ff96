package io.sparktrain.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The optimiser each worker runs between averagings.
 *
 * @param kind which rule
 * @param learningRate step size
 * @param momentum momentum coefficient (sgd: 0 for plain SGD; nesterovs)
 * @param decay the learning rate is multiplied by this after each epoch (1 = constant)
 */
public record UpdaterSpec(Kind kind, double learningRate, double momentum, double decay) {

    /** A constant learning rate. */
    public UpdaterSpec(Kind kind, double learningRate, double momentum) {
        this(kind, learningRate, momentum, 1.0);
    }

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
        ISchedule lr = new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decay);
        return switch (kind) {
            case ADAM -> decay == 1.0 ? new Adam(learningRate) : new Adam(lr);
            case SGD -> {
                MomentumSgd withMomentum = new MomentumSgd(learningRate, momentum);
                if (decay != 1.0) {
                    withMomentum.setLrAndSchedule(learningRate, lr);
                }
                yield momentum > 0 ? withMomentum : decay == 1.0 ? new Sgd(learningRate) : new Sgd(lr);
            }
            case NESTEROVS -> decay == 1.0 ? new Nesterovs(learningRate, momentum) : new Nesterovs(lr, momentum);
        };
    }
}
