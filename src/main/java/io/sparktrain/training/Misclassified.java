package io.sparktrain.training;

import java.io.Serializable;

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

    /** The same example at {@code index + offset}: a part's local index made the split's. */
    Misclassified shifted(long offset) {
        return new Misclassified((int) (index + offset), label, predicted, features, shape);
    }
}
