package io.sparktrain.training;

import java.io.Serializable;

/**
 * Sums over a set of evaluated targets (examples, or unmasked time steps of sequences labelled per step); merged
 * across partitions, divided once.
 *
 * @param loss total cross-entropy and number of targets
 * @param correct targets whose most probable class is the label
 */
public record Evaluation(LossSum loss, long correct) implements Serializable {

    /** Nothing evaluated yet. */
    public static final Evaluation EMPTY = new Evaluation(LossSum.ZERO, 0);

    /** Both totals. */
    public Evaluation merge(Evaluation other) {
        return new Evaluation(loss.merge(other.loss), correct + other.correct);
    }

    /** Mean cross-entropy per target. */
    public double meanLoss() {
        return loss.mean();
    }

    /** Fraction classified correctly. */
    public double accuracy() {
        return loss.weight() == 0 ? Double.NaN : (double) correct / loss.weight();
    }

    /** Perplexity, exp of the mean cross-entropy (for language models: per character). */
    public double perplexity() {
        return Math.exp(meanLoss());
    }

    /** Number of targets evaluated. */
    public long examples() {
        return loss.weight();
    }
}
