package io.sparktrain.training;

import java.io.Serializable;

/**
 * Sums over a set of evaluated targets (examples, or unmasked time steps of sequences labelled per step); merged
 * across partitions, divided once.
 *
 * @param loss total cross-entropy and number of targets
 * @param correct targets whose most probable class is the label
 * @param classes number of classes (0 for {@link #EMPTY})
 * @param confusion {@code classes x classes} counts, row = true class, column = predicted class
 */
public record Evaluation(LossSum loss, long correct, int classes, long[] confusion) implements Serializable {

    /** Nothing evaluated yet. */
    public static final Evaluation EMPTY = new Evaluation(LossSum.ZERO, 0, 0, new long[0]);

    /** Checks the matrix's size. */
    public Evaluation {
        if (confusion.length != (long) classes * classes) {
            throw new IllegalArgumentException("confusion has " + confusion.length + " cells for " + classes
                    + " classes");
        }
    }

    /** Equal totals and equal matrices (a record compares arrays by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e && loss.equals(e.loss) && correct == e.correct && classes == e.classes
                && java.util.Arrays.equals(confusion, e.confusion);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(loss, correct, classes, java.util.Arrays.hashCode(confusion));
    }

    @Override
    public String toString() {
        return "Evaluation[loss=" + loss + ", correct=" + correct + ", classes=" + classes + "]";
    }

    /** Both totals. */
    public Evaluation merge(Evaluation other) {
        if (other.classes == 0) {
            return this;
        }
        if (classes == 0) {
            return other;
        }
        long[] sum = confusion.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.confusion[i];
        }
        return new Evaluation(loss.merge(other.loss), correct + other.correct, classes, sum);
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

    /** Targets whose true class is {@code c}. */
    public long support(int c) {
        long n = 0;
        for (int p = 0; p < classes; p++) {
            n += confusion[c * classes + p];
        }
        return n;
    }

    /** Of the targets predicted as {@code c}, the fraction that are {@code c}; NaN when none was predicted so. */
    public double precision(int c) {
        long predicted = 0;
        for (int t = 0; t < classes; t++) {
            predicted += confusion[t * classes + c];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[c * classes + c] / predicted;
    }

    /** Of the targets of class {@code c}, the fraction predicted as {@code c}; NaN when there are none. */
    public double recall(int c) {
        long support = support(c);
        return support == 0 ? Double.NaN : (double) confusion[c * classes + c] / support;
    }

    /** The confusion matrix as rows (true class) of counts per predicted class. */
    public long[][] confusionRows() {
        long[][] rows = new long[classes][classes];
        for (int t = 0; t < classes; t++) {
            System.arraycopy(confusion, t * classes, rows[t], 0, classes);
        }
        return rows;
    }
}
