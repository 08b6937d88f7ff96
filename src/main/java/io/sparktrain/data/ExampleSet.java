package io.sparktrain.data;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fixed-size labelled examples (images), one class each, held as plain arrays: {@code features} is {@code size() * featureLength()} floats,
 * example after example, each example laid out in {@code exampleShape} (channels, height, width for images).
 * Plain arrays keep it cheap to serialise between Spark executors and free of native memory until a minibatch is
 * made.
 */
public final class ExampleSet implements Examples {
    private static final long serialVersionUID = 1L;

    private final float[] features;
    private final int[] labels;
    private final int[] exampleShape;
    private final int numClasses;
    private final int featureLength;

    /**
     * @param features example-major feature values
     * @param labels one class index per example, in {@code [0, numClasses)}
     * @param exampleShape the shape of one example, e.g. {@code {1, 28, 28}}
     * @param numClasses the number of classes
     */
    public ExampleSet(float[] features, int[] labels, int[] exampleShape, int numClasses) {
        this.featureLength = Arrays.stream(exampleShape).reduce(1, (a, b) -> a * b);
        if ((long) labels.length * featureLength != features.length) {
            throw new IllegalArgumentException(features.length + " feature values for " + labels.length
                    + " examples of shape " + Arrays.toString(exampleShape));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " outside [0, "
                        + numClasses + ")");
            }
        }
        this.features = features;
        this.labels = labels;
        this.exampleShape = exampleShape.clone();
        this.numClasses = numClasses;
    }

    @Override
    public int size() {
        return labels.length;
    }

    /** Feature values per example. */
    public int featureLength() {
        return featureLength;
    }

    /** Shape of one example. */
    public int[] exampleShape() {
        return exampleShape.clone();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    /** Class index of example {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    @Override
    public ExampleSet concat(Examples other) {
        if (!(other instanceof ExampleSet o) || !java.util.Arrays.equals(exampleShape, o.exampleShape)
                || numClasses != o.numClasses) {
            throw new IllegalArgumentException("cannot append " + other.getClass().getSimpleName() + " to images of "
                    + java.util.Arrays.toString(exampleShape) + " in " + numClasses + " classes");
        }
        float[] x = java.util.Arrays.copyOf(features, features.length + o.features.length);
        System.arraycopy(o.features, 0, x, features.length, o.features.length);
        int[] y = java.util.Arrays.copyOf(labels, labels.length + o.labels.length);
        System.arraycopy(o.labels, 0, y, labels.length, o.labels.length);
        return new ExampleSet(x, y, exampleShape, numClasses);
    }

    @Override
    public ExampleSet subset(int[] indices) {
        float[] f = new float[indices.length * featureLength];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(features, indices[k] * featureLength, f, k * featureLength, featureLength);
            l[k] = labels[indices[k]];
        }
        return new ExampleSet(f, l, exampleShape, numClasses);
    }

    /** Features shaped {@code [n, exampleShape...]}, labels one-hot {@code [n, numClasses]}, no masks. */
    @Override
    public DataSet minibatch(int[] indices, int from, int to) {
        int n = to - from;
        float[] f = new float[n * featureLength];
        float[] oneHot = new float[n * numClasses];
        for (int k = 0; k < n; k++) {
            int i = indices[from + k];
            System.arraycopy(features, i * featureLength, f, k * featureLength, featureLength);
            oneHot[k * numClasses + labels[i]] = 1f;
        }
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = n;
        for (int d = 0; d < exampleShape.length; d++) {
            shape[d + 1] = exampleShape[d];
        }
        INDArray x = Nd4j.create(f, shape, 'c');
        INDArray y = Nd4j.create(oneHot, new long[] {n, numClasses}, 'c');
        return new DataSet(x, y);
    }

    /** The feature values, example after example (not a copy). */
    float[] features() {
        return features;
    }

    /** All examples, in order, as one DL4J minibatch. */
    public DataSet toDataSet() {
        int[] all = new int[size()];
        Arrays.setAll(all, i -> i);
        return minibatch(all, 0, all.length);
    }
}
