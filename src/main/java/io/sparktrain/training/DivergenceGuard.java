package io.sparktrain.training;

import io.sparktrain.config.DivergenceConfig;
import java.io.Serializable;
import java.util.List;

/**
 * Decides after each averaging round whether training has diverged, as DJL's divergence listener does, but also
 * for networks whose loss stays finite: DL4J clips the softmax's probabilities, so a network whose weights have
 * blown up reports a large finite loss and predicts near chance. A diverged run stops (exit 4) before it can write
 * a model.
 *
 * <p>The checks, in order: a worker's loss or parameters are not finite (naming the worker); an averaged parameter
 * is not finite or exceeds {@code maxParameter}; the round's loss exceeds {@code lossFactor} x ln(classes); the loss
 * rose in each of the last {@code risingRounds} rounds and is above ln(classes).
 *
 * @param rising consecutive rounds the loss rose, so far
 * @param previousLoss the last round's loss (NaN before the first)
 */
record DivergenceGuard(int rising, double previousLoss) implements Serializable {
    /** Before the first round. */
    static final DivergenceGuard START = new DivergenceGuard(0, Double.NaN);

    /**
     * The guard after {@code record}.
     *
     * @param rules the thresholds
     * @param classes the network's classes (ln(classes) is the loss of a uniform guess)
     * @param workers the round's worker reports, checked for non-finite values
     * @param params the averaged parameters
     * @param hints what to try, for the message
     * @throws TrainingDivergedException when the round shows divergence
     */
    DivergenceGuard after(RoundRecord record, DivergenceConfig rules, int classes,
                          List<RoundTotals.WorkerReport> workers, float[] params, String hints) {
        String where = "epoch " + record.epoch() + " round " + record.round();
        for (RoundTotals.WorkerReport u : workers) {
            if (u.loss().weight() == 0) {
                continue;
            }
            if (!Double.isFinite(u.loss().mean())) {
                throw new TrainingDivergedException(where + ": worker " + u.shard() + " (executor " + u.executorId()
                        + ") has training loss " + u.loss().mean() + "; " + hints);
            }
            if (u.nonFiniteParam() >= 0) {
                throw new TrainingDivergedException(where + ": worker " + u.shard() + " (executor " + u.executorId()
                        + ") has parameter " + u.nonFiniteParam() + " = " + u.nonFiniteValue() + "; " + hints);
            }
        }
        double loss = record.trainLoss();
        if (!Double.isFinite(loss)) {
            throw new TrainingDivergedException(where + ": training loss is " + loss + "; " + hints);
        }
        if (rules.maxParameter() > 0) {
            int i = largest(params);
            if (Math.abs(params[i]) > rules.maxParameter()) {
                throw new TrainingDivergedException(where + ": parameter " + i + " = " + params[i]
                        + " exceeds training.divergence.maxParameter (" + rules.maxParameter() + "); " + hints);
            }
        }
        double guess = Math.log(Math.max(2, classes));
        if (rules.lossFactor() > 0 && loss > rules.lossFactor() * guess) {
            throw new TrainingDivergedException(String.format("%s: training loss %.4g is above "
                    + "training.divergence.lossFactor (%s) x ln(%d classes) = %.4g, far worse than a uniform guess; %s",
                    where, loss, rules.lossFactor(), classes, rules.lossFactor() * guess, hints));
        }
        int nowRising = loss > previousLoss ? rising + 1 : 0;
        if (rules.risingRounds() > 0 && nowRising >= rules.risingRounds() && loss > guess) {
            throw new TrainingDivergedException(String.format("%s: training loss rose in %d consecutive rounds "
                    + "(training.divergence.risingRounds) to %.4g, above ln(%d classes) = %.4g; %s", where, nowRising,
                    loss, classes, guess, hints));
        }
        return new DivergenceGuard(nowRising, loss);
    }

    /** The index of the first non-finite value, -1 when all are finite. */
    static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    private static int largest(float[] values) {
        int at = 0;
        for (int i = 1; i < values.length; i++) {
            if (Math.abs(values[i]) > Math.abs(values[at])) {
                at = i;
            }
        }
        return at;
    }
}
