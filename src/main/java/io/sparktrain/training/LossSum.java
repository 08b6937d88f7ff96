package io.sparktrain.training;

import java.io.Serializable;

/**
 * A running cross-entropy total: the sum of per-example losses and the number of examples (the weight). Totals
 * merge by addition, so the order in which workers report does not matter, and the mean is taken once, at the end:
 * the example-weighted mean over all workers, never a mean of per-worker means (Spark MLlib's loss aggregators work
 * the same way).
 *
 * @param lossSum sum of per-example losses
 * @param weight number of examples
 */
public record LossSum(double lossSum, long weight) implements Serializable {

    /** Nothing seen yet. */
    public static final LossSum ZERO = new LossSum(0, 0);

    /** The total of {@code n} examples whose mean loss is {@code meanLoss}. */
    public static LossSum ofMean(double meanLoss, long n) {
        return new LossSum(meanLoss * n, n);
    }

    /** The total of both. */
    public LossSum merge(LossSum other) {
        return new LossSum(lossSum + other.lossSum, weight + other.weight);
    }

    /** The mean loss per example; NaN when nothing was seen. */
    public double mean() {
        return weight == 0 ? Double.NaN : lossSum / weight;
    }
}
