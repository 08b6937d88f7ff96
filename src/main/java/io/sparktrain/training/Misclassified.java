package io.sparktrain.training;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A test example the model got wrong, found on the executors during an evaluation: its index in the test split,
 * its class, the predicted class and its features (for a report to draw).
 *
 * @param index the example's position in the test split
 * @param label its true class
 * @param predicted the most probable class
 * @param features its feature values, row-major
 * @param shape one example's shape ({@code [channels, height, width]} for images)
 */
public record Misclassified(int index, int label, int predicted, float[] features, int[] shape)
        implements Serializable {

    /**
     * The first {@code limit} examples of a minibatch of one class per example ({@code probabilities} of rank 2)
     * whose most probable class is not their label, with their features; none for per-step outputs.
     *
     * @param first the index of the minibatch's first example, for the result's indices
     */
    public static List<Misclassified> among(INDArray probabilities, INDArray labels, INDArray features, long first,
                                            int limit) {
        List<Misclassified> wrong = new ArrayList<>();
        if (probabilities.rank() != 2 || limit <= 0) {
            return wrong;
        }
        int n = (int) labels.size(0);
        int classes = (int) labels.size(1);
        float[] p = probabilities.dup('c').data().asFloat();
        float[] y = labels.dup('c').data().asFloat();
        int[] shape = Arrays.stream(features.shape()).skip(1).mapToInt(Math::toIntExact).toArray();
        for (int k = 0; k < n && wrong.size() < limit; k++) {
            int label = 0;
            int best = 0;
            for (int c = 0; c < classes; c++) {
                if (y[k * classes + c] > y[k * classes + label]) {
                    label = c;
                }
                if (p[k * classes + c] > p[k * classes + best]) {
                    best = c;
                }
            }
            if (best != label) {
                wrong.add(new Misclassified((int) (first + k), label, best,
                        features.slice(k).dup('c').data().asFloat(), shape));
            }
        }
        return wrong;
    }

    /** The same example at {@code index + offset}: a part's local index made the split's. */
    Misclassified shifted(long offset) {
        return new Misclassified((int) (index + offset), label, predicted, features, shape);
    }
}
