package io.sparktrain.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The optimiser each worker runs between averagings, with its learning-rate schedule and gradient clipping.
 *
 * @param kind which rule
 * @param learningRate step size (the peak of a cosine or one-cycle schedule)
 * @param momentum momentum coefficient (sgd: 0 for plain SGD; nesterovs)
 * @param decay the factor of the {@code exponential} and {@code step} schedules (1 = constant)
 * @param schedule how the learning rate moves over the run
 * @param clipping gradient clipping before the update
 * @param iterationsPerEpoch optimiser steps per epoch, known once the data is ({@link #forRun}); 0 = not known
 * @param epochs the run's epochs, with {@code iterationsPerEpoch}
 * @param firstIteration the optimiser's iteration count when the run starts: 0, or the count a warm start carries
 *     over ({@link #startingAt}); per-iteration schedules start there
 */
public record UpdaterSpec(Kind kind, double learningRate, double momentum, double decay, ScheduleSpec schedule,
                          Clipping clipping, int iterationsPerEpoch, int epochs, long firstIteration) {

    /** A constant learning rate. */
    public UpdaterSpec(Kind kind, double learningRate, double momentum) {
        this(kind, learningRate, momentum, 1.0);
    }

    /** The learning rate multiplied by {@code decay} after each epoch, no clipping. */
    public UpdaterSpec(Kind kind, double learningRate, double momentum, double decay) {
        this(kind, learningRate, momentum, decay, ScheduleSpec.EXPONENTIAL, Clipping.NONE, 0, 0);
    }

    /** A run's optimiser before its length is known, starting from iteration 0. */
    public UpdaterSpec(Kind kind, double learningRate, double momentum, double decay, ScheduleSpec schedule,
                       Clipping clipping, int iterationsPerEpoch, int epochs) {
        this(kind, learningRate, momentum, decay, schedule, clipping, iterationsPerEpoch, epochs, 0);
    }

    /** The update rules on offer. */
    public enum Kind {
        ADAM,
        /** SGD, with classical (heavy-ball) momentum when momentum > 0. */
        SGD,
        /** SGD with Nesterov momentum. */
        NESTEROVS
    }

    /**
     * Gradient clipping ({@code training.clipping.*}), applied to each layer's gradient before the update.
     *
     * @param kind none, each element to [-threshold, threshold] ({@code value}), or each layer's gradient rescaled to
     *     an L2 norm of at most threshold ({@code norm}; DL4J's per-layer clipping)
     * @param threshold the bound
     */
    public record Clipping(ClipKind kind, double threshold) {
        /** No clipping. */
        public static final Clipping NONE = new Clipping(ClipKind.NONE, 1.0);

        /** Validates the threshold. */
        public Clipping {
            if (!(threshold > 0) || Double.isInfinite(threshold)) {
                throw new ModelSpecException("training.clipping.threshold must be a finite number > 0, got "
                        + threshold);
            }
        }
    }

    /** What {@link Clipping} bounds. */
    public enum ClipKind { NONE, VALUE, NORM }

    /** The same optimiser with the run's length known, so that per-iteration schedules can be laid out. */
    public UpdaterSpec forRun(int runIterationsPerEpoch, int runEpochs) {
        return new UpdaterSpec(kind, learningRate, momentum, decay, schedule, clipping, runIterationsPerEpoch,
                runEpochs, firstIteration);
    }

    /**
     * The same optimiser for a run whose iteration count starts at {@code iteration} (a warm start carries the
     * champion's over, for Adam's bias correction): per-iteration schedules (cosine, one-cycle, warm-up) start there
     * instead of being past their end. Epoch schedules need nothing, since a warm start's epoch count starts at 0.
     */
    public UpdaterSpec startingAt(long iteration) {
        return new UpdaterSpec(kind, learningRate, momentum, decay, schedule, clipping, iterationsPerEpoch, epochs,
                iteration);
    }

    /** The learning rate the schedule gives at {@code iteration} (needs {@link #forRun} for per-iteration ones). */
    public double learningRateAt(long iteration) {
        if (iterationsPerEpoch == 0) {
            return learningRate;
        }
        return schedule.valueAt(learningRate, decay, Math.max(0, iteration - firstIteration), iterationsPerEpoch,
                epochs);
    }

    /** The DL4J updater configuration. */
    public IUpdater toUpdater() {
        ISchedule s = schedule.toSchedule(learningRate, decay, iterationsPerEpoch, epochs, firstIteration);
        return switch (kind) {
            case ADAM -> s == null ? new Adam(learningRate) : new Adam(s);
            case SGD -> momentum > 0 ? new MomentumSgd(learningRate, momentum, s)
                    : s == null ? new Sgd(learningRate) : new Sgd(s);
            case NESTEROVS -> s == null ? new Nesterovs(learningRate, momentum) : new Nesterovs(s, momentum);
        };
    }
}
