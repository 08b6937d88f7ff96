package io.sparktrain.training;

import java.io.Serializable;

/**
 * Sums over a set of evaluated examples; merged across partitions, divided once.
 *
 * @param loss total cross-entropy and number of examples
 * @param correct examples whose most probable class is the label
 */
public record Evaluation(LossSum loss, long correct) implements Serializable {

    /** Nothing evaluated yet. */
    public static final Evaluation EMPTY = new Evaluation(LossSum.ZERO, 0);

    /** Both totals. */
    public Evaluation merge(Evaluation other) {
        return new Evaluation(loss.merge(other.loss), correct + other.correct);
    }

    /** Mean cross-entropy per example. */
    public double meanLoss() {
        return loss.mean();
    }

    /** Fraction classified correctly. */
    public double accuracy() {
        return loss.weight() == 0 ? Double.NaN : (double) correct / loss.weight();
    }

    /** Number of examples evaluated. */
    public long examples() {
        return loss.weight();
    }
}
