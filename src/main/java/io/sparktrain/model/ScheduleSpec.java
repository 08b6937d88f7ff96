package io.sparktrain.model;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * How the learning rate moves over a run ({@code training.schedule.*}). Every schedule is expressed with DL4J's own
 * schedule classes, so a saved model stays loadable with plain DL4J:
 * <ul>
 *   <li>{@code exponential}: multiplied by {@code training.learningRateDecay} after each epoch (1 = constant);</li>
 *   <li>{@code step}: multiplied by {@code training.learningRateDecay} every {@code stepEpochs} epochs;</li>
 *   <li>{@code cosine}: from the learning rate down to {@code minLearningRate} along half a cosine over the run;</li>
 *   <li>{@code onecycle}: Smith's one-cycle policy as PyTorch's {@code OneCycleLR} defaults: from lr/25 up to lr over
 *       the first 30% of the run, then down to lr/25/10^4 along half a cosine.</li>
 * </ul>
 * A linear warm-up over {@code warmupEpochs} (fractions allowed) scales any of them except {@code onecycle}, which
 * has its own. Cosine, one-cycle and warm-up follow the optimiser's iteration count, so they need the run's
 * iterations per epoch ({@link UpdaterSpec#forRun}); they are tabulated at up to {@value #POINTS} points.
 *
 * @param kind the shape
 * @param stepEpochs epochs between two multiplications ({@code step})
 * @param minLearningRate where {@code cosine} ends
 * @param warmupEpochs epochs of linear warm-up, 0 = none
 */
public record ScheduleSpec(Kind kind, int stepEpochs, double minLearningRate, double warmupEpochs) {
    static final int POINTS = 1000;

    /** The shapes on offer. */
    public enum Kind { EXPONENTIAL, STEP, COSINE, ONECYCLE }

    /** Multiplied by {@code training.learningRateDecay} after each epoch, no warm-up: the behaviour of old jobs. */
    public static final ScheduleSpec EXPONENTIAL = new ScheduleSpec(Kind.EXPONENTIAL, 1, 0, 0);

    /** Validates every field, naming the key at fault. */
    public ScheduleSpec {
        if (stepEpochs < 1) {
            throw new ModelSpecException("training.schedule.stepEpochs must be >= 1, got " + stepEpochs);
        }
        if (!(minLearningRate >= 0) || Double.isInfinite(minLearningRate)) {
            throw new ModelSpecException("training.schedule.minLearningRate must be a finite number >= 0, got "
                    + minLearningRate);
        }
        if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) {
            throw new ModelSpecException("training.schedule.warmupEpochs must be a finite number >= 0, got "
                    + warmupEpochs);
        }
        if (kind == Kind.ONECYCLE && warmupEpochs > 0) {
            throw new ModelSpecException("training.schedule.warmupEpochs must be 0 with training.schedule.kind = "
                    + "onecycle (it warms up by itself), got " + warmupEpochs);
        }
    }

    /** Whether the learning rate depends on the iteration count, so that the run's length must be known. */
    public boolean perIteration() {
        return kind == Kind.COSINE || kind == Kind.ONECYCLE || warmupEpochs > 0;
    }

    /**
     * The DL4J schedule, or null for a constant learning rate.
     *
     * @param learningRate the base (peak) learning rate
     * @param decay {@code training.learningRateDecay}
     * @param iterationsPerEpoch optimiser steps per epoch; 0 when unknown (then per-iteration shapes are constant)
     * @param epochs the run's epochs
     * @param first the optimiser's iteration count at the run's start, where a per-iteration shape begins
     */
    ISchedule toSchedule(double learningRate, double decay, int iterationsPerEpoch, int epochs, long first) {
        if (perIteration() && iterationsPerEpoch > 0) {
            return tabulated(learningRate, decay, iterationsPerEpoch, epochs, first);
        }
        return switch (kind) {
            case EXPONENTIAL -> decay == 1.0 ? null : new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decay);
            case STEP -> decay == 1.0 ? null : new StepSchedule(ScheduleType.EPOCH, learningRate, decay, stepEpochs);
            case COSINE, ONECYCLE -> null;
        };
    }

    /** The learning rate at {@code iteration} (0-based), {@code epoch} = iteration / iterationsPerEpoch. */
    double valueAt(double learningRate, double decay, long iteration, int iterationsPerEpoch, int epochs) {
        long total = (long) iterationsPerEpoch * epochs;
        double progress = Math.min(1.0, (double) iteration / Math.max(1, total));
        int epoch = (int) (iteration / iterationsPerEpoch);
        double value = switch (kind) {
            case EXPONENTIAL -> learningRate * Math.pow(decay, epoch);
            case STEP -> learningRate * Math.pow(decay, epoch / stepEpochs);
            case COSINE -> minLearningRate + (learningRate - minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * progress));
            case ONECYCLE -> {
                double start = learningRate / 25;
                double end = start / 1e4;
                double rise = 0.3;
                yield progress < rise ? start + (learningRate - start) * progress / rise
                        : end + (learningRate - end) * 0.5 * (1 + Math.cos(Math.PI * (progress - rise) / (1 - rise)));
            }
        };
        double warmup = warmupEpochs * iterationsPerEpoch;
        return warmup > 0 && iteration < warmup ? value * (iteration + 1) / warmup : value;
    }

    /** The shape sampled at iterations {@code first + i}; DL4J's table also needs iteration 0 (the start value). */
    private ISchedule tabulated(double learningRate, double decay, int iterationsPerEpoch, int epochs, long first) {
        long total = (long) iterationsPerEpoch * epochs;
        // Sample points: every iteration of the warm-up (up to POINTS), then evenly over the run, plus every epoch
        // boundary so that epoch-wise shapes change exactly where they should.
        java.util.SortedSet<Long> at = new java.util.TreeSet<>();
        long warmup = (long) Math.ceil(warmupEpochs * iterationsPerEpoch);
        long warmStep = Math.max(1, warmup / POINTS);
        for (long i = 0; i < warmup; i += warmStep) {
            at.add(i);
        }
        long step = Math.max(1, total / POINTS);
        for (long i = 0; i <= total; i += step) {
            at.add(i);
        }
        for (int e = 0; e <= epochs; e++) {
            at.add((long) e * iterationsPerEpoch);
        }
        Map<Integer, Double> values = new TreeMap<>();
        values.put(0, valueAt(learningRate, decay, 0, iterationsPerEpoch, epochs));
        for (long i : at) {
            if (first + i <= Integer.MAX_VALUE) {
                values.put((int) (first + i), valueAt(learningRate, decay, i, iterationsPerEpoch, epochs));
            }
        }
        return new MapSchedule(ScheduleType.ITERATION, values);
    }
}
