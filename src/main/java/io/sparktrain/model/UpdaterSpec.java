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
        ISchedule schedule = decay == 1.0 ? null : new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decay);
        return switch (kind) {
            case ADAM -> schedule == null ? new Adam(learningRate) : new Adam(schedule);
            case SGD -> momentum > 0 ? new MomentumSgd(learningRate, momentum, schedule)
                    : schedule == null ? new Sgd(learningRate) : new Sgd(schedule);
            case NESTEROVS -> schedule == null ? new Nesterovs(learningRate, momentum)
                    : new Nesterovs(schedule, momentum);
        };
    }
}
