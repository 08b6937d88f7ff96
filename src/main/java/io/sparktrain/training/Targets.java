package io.sparktrain.training;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The targets of a minibatch: what a loss is averaged over. One per example for a class per example; one per
 * unmasked time step for a class per step, so padding never counts.
 */
final class Targets {
    // DL4J's softmax cross-entropy clips probabilities to this before taking the log.
    private static final double CLIP = 1e-10;

    private Targets() {
    }

    /**
     * The loss total of a fitted minibatch from the sum of DL4J's scores for it (one per optimiser step): DL4J
     * divides a minibatch's summed loss by its number of examples, whatever the masks, so the sum is the score
     * times the examples, and it is taken over the minibatch's targets.
     */
    static LossSum lossOf(double scoreSum, DataSet batch) {
        return new LossSum(scoreSum * batch.getFeatures().size(0), count(batch));
    }

    /** Number of targets in {@code batch}. */
    static long count(DataSet batch) {
        INDArray labels = batch.getLabels();
        INDArray mask = batch.getLabelsMaskArray();
        if (labels.rank() == 3) {
            return mask != null ? Math.round(mask.sumNumber().doubleValue()) : labels.size(0) * labels.size(2);
        }
        return labels.size(0);
    }

    /**
     * Cross-entropy and accuracy of predicted class probabilities against one-hot labels.
     *
     * @param probabilities {@code [n, classes]} or {@code [n, classes, steps]}
     * @param labels the same shape, one-hot
     * @param mask {@code [n, steps]} for per-step labels with padding, else null
     */
    static Evaluation evaluate(INDArray probabilities, INDArray labels, INDArray mask) {
        long n = labels.size(0);
        int classes = (int) labels.size(1);
        int steps = labels.rank() == 3 ? (int) labels.size(2) : 1;
        float[] p = probabilities.dup('c').data().asFloat();
        float[] y = labels.dup('c').data().asFloat();
        float[] m = mask == null ? null : mask.dup('c').data().asFloat();
        double lossSum = 0;
        long targets = 0;
        long correct = 0;
        long[] confusion = new long[classes * classes];
        for (int k = 0; k < n; k++) {
            for (int t = 0; t < steps; t++) {
                if (m != null && m[k * steps + t] == 0) {
                    continue;
                }
                int label = -1;
                int best = 0;
                for (int c = 0; c < classes; c++) {
                    int at = (k * classes + c) * steps + t;
                    if (y[at] > 0) {
                        label = c;
                    }
                    if (p[at] > p[(k * classes + best) * steps + t]) {
                        best = c;
                    }
                }
                targets++;
                correct += best == label ? 1 : 0;
                confusion[label * classes + best]++;
                lossSum -= Math.log(Math.max(p[(k * classes + label) * steps + t], CLIP));
            }
        }
        return new Evaluation(new LossSum(lossSum, targets), correct, classes, confusion);
    }
}
