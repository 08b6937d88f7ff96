package io.sparktrain.data;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled sequences of different lengths, stored back to back without padding: sequence {@code i} is steps
 * {@code offsets[i] .. offsets[i+1]} of either dense feature vectors ({@code features} values per step) or token
 * codes (one-hot vectors of {@code features} values, for text). Labels are one class per sequence or one per step.
 * Minibatches are padded to their longest sequence, with masks marking the real steps, so padding never counts in a
 * loss or a gradient.
 */
public final class SequenceSet implements Examples {
    private static final long serialVersionUID = 1L;

    /** Where the classes are. */
    public enum Labels {
        /** One class per sequence (many-to-one). */
        PER_SEQUENCE,
        /** One class per step (many-to-many). */
        PER_STEP
    }

    private final float[] values;
    private final int[] tokens;
    private final int features;
    private final int[] offsets;
    private final int[] labels;
    private final Labels labelKind;
    private final int numClasses;

    private SequenceSet(float[] values, int[] tokens, int features, int[] offsets, int[] labels, Labels labelKind,
                        int numClasses) {
        int steps = offsets[offsets.length - 1];
        if (values != null && (long) steps * features != values.length) {
            throw new IllegalArgumentException(values.length + " values for " + steps + " steps of " + features
                    + " features");
        }
        if (tokens != null && tokens.length != steps) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + steps + " steps");
        }
        for (int i = 0; i + 1 < offsets.length; i++) {
            if (offsets[i + 1] <= offsets[i]) {
                throw new IllegalArgumentException("sequence " + i + " has no steps");
            }
        }
        int expectedLabels = labelKind == Labels.PER_STEP ? steps : offsets.length - 1;
        if (labels.length != expectedLabels) {
            throw new IllegalArgumentException(labels.length + " labels, expected " + expectedLabels);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " outside [0, " + numClasses + ")");
            }
        }
        this.values = values;
        this.tokens = tokens;
        this.features = features;
        this.offsets = offsets;
        this.labels = labels;
        this.labelKind = labelKind;
        this.numClasses = numClasses;
    }

    /**
     * Sequences of dense feature vectors.
     *
     * @param values step after step, {@code features} values each
     * @param features values per step
     * @param offsets {@code size() + 1} step offsets, starting at 0, strictly increasing
     * @param labels one class per sequence or per step, as {@code labelKind} says
     */
    public static SequenceSet dense(float[] values, int features, int[] offsets, int[] labels, Labels labelKind,
                                    int numClasses) {
        return new SequenceSet(values, null, features, offsets, labels, labelKind, numClasses);
    }

    /** Sequences of token codes in {@code [0, vocabulary)}, fed to the network one-hot. */
    public static SequenceSet tokens(int[] tokens, int vocabulary, int[] offsets, int[] labels, Labels labelKind,
                                     int numClasses) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabulary) {
                throw new IllegalArgumentException("token " + tokens[i] + " outside [0, " + vocabulary + ")");
            }
        }
        return new SequenceSet(null, tokens, vocabulary, offsets, labels, labelKind, numClasses);
    }

    /**
     * MNIST read as sequences, label at the end: row by row (28 steps of 28 pixels) or pixel by pixel (784 steps
     * of one value).
     */
    public static SequenceSet fromImages(ExampleSet images, boolean pixelByPixel) {
        int[] shape = images.exampleShape();
        if (shape[0] != 1) {
            throw new IllegalArgumentException("sequences need one-channel images, got " + Arrays.toString(shape));
        }
        int features = pixelByPixel ? 1 : shape[2];
        int steps = pixelByPixel ? shape[1] * shape[2] : shape[1];
        int[] offsets = new int[images.size() + 1];
        int[] labels = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            offsets[i + 1] = offsets[i] + steps;
            labels[i] = images.label(i);
        }
        // Row-major pixels already are step after step.
        return dense(images.features(), features, offsets, labels, Labels.PER_SEQUENCE, images.numClasses());
    }

    @Override
    public int size() {
        return offsets.length - 1;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    /** Values per step (the vocabulary size for token sequences). */
    public int features() {
        return features;
    }

    /** Steps of sequence {@code i}. */
    public int length(int i) {
        return offsets[i + 1] - offsets[i];
    }

    /** The longest sequence's length. */
    public int maxLength() {
        int max = 0;
        for (int i = 0; i < size(); i++) {
            max = Math.max(max, length(i));
        }
        return max;
    }

    /** Steps over all sequences. */
    public long totalSteps() {
        return offsets[offsets.length - 1];
    }

    /** The dense values, step after step (not a copy); only for dense sequences. */
    float[] values() {
        if (values == null) {
            throw new IllegalStateException("token sequences have no dense values");
        }
        return values;
    }

    /** The same sequences and labels with other dense values. */
    SequenceSet withValues(float[] newValues) {
        return new SequenceSet(newValues, null, features, offsets, labels, labelKind, numClasses);
    }

    /** Token codes of sequence {@code i}; only for token sequences. */
    public int[] tokens(int i) {
        if (tokens == null) {
            throw new IllegalStateException("not a token sequence set");
        }
        return Arrays.copyOfRange(tokens, offsets[i], offsets[i + 1]);
    }

    @Override
    public SequenceSet concat(Examples other) {
        if (!(other instanceof SequenceSet o) || features != o.features || labelKind != o.labelKind
                || numClasses != o.numClasses || (values == null) != (o.values == null)) {
            throw new IllegalArgumentException("cannot append " + other.getClass().getSimpleName() + " to sequences "
                    + "of " + features + " features, " + labelKind + " labels, " + numClasses + " classes");
        }
        int steps = offsets[offsets.length - 1];
        int[] newOffsets = Arrays.copyOf(offsets, offsets.length + o.offsets.length - 1);
        for (int i = 1; i < o.offsets.length; i++) {
            newOffsets[offsets.length - 1 + i] = steps + o.offsets[i];
        }
        float[] v = values == null ? null : Arrays.copyOf(values, values.length + o.values.length);
        if (v != null) {
            System.arraycopy(o.values, 0, v, values.length, o.values.length);
        }
        int[] t = tokens == null ? null : Arrays.copyOf(tokens, tokens.length + o.tokens.length);
        if (t != null) {
            System.arraycopy(o.tokens, 0, t, tokens.length, o.tokens.length);
        }
        int[] l = Arrays.copyOf(labels, labels.length + o.labels.length);
        System.arraycopy(o.labels, 0, l, labels.length, o.labels.length);
        return new SequenceSet(v, t, features, newOffsets, l, labelKind, numClasses);
    }

    @Override
    public SequenceSet subset(int[] indices) {
        int[] newOffsets = new int[indices.length + 1];
        for (int k = 0; k < indices.length; k++) {
            newOffsets[k + 1] = newOffsets[k] + length(indices[k]);
        }
        int steps = newOffsets[indices.length];
        float[] v = values == null ? null : new float[steps * features];
        int[] t = tokens == null ? null : new int[steps];
        int[] l = new int[labelKind == Labels.PER_STEP ? steps : indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            int len = length(i);
            if (v != null) {
                System.arraycopy(values, offsets[i] * features, v, newOffsets[k] * features, len * features);
            } else {
                System.arraycopy(tokens, offsets[i], t, newOffsets[k], len);
            }
            if (labelKind == Labels.PER_STEP) {
                System.arraycopy(labels, offsets[i], l, newOffsets[k], len);
            } else {
                l[k] = labels[i];
            }
        }
        return new SequenceSet(v, t, features, newOffsets, l, labelKind, numClasses);
    }

    /**
     * Features {@code [n, features, T]} with T the longest sequence in the minibatch; a feature mask {@code [n, T]}
     * when any sequence is shorter. Labels {@code [n, classes]} per sequence, or {@code [n, classes, T]} per step
     * with the same mask as label mask.
     */
    @Override
    public DataSet minibatch(int[] indices, int from, int to) {
        int n = to - from;
        int steps = 0;
        boolean padded = false;
        for (int k = 0; k < n; k++) {
            int len = length(indices[from + k]);
            padded |= k > 0 && len != steps;
            steps = Math.max(steps, len);
        }
        float[] x = new float[n * features * steps];
        float[] mask = padded ? new float[n * steps] : null;
        boolean perStep = labelKind == Labels.PER_STEP;
        float[] y = new float[perStep ? n * numClasses * steps : n * numClasses];
        for (int k = 0; k < n; k++) {
            int i = indices[from + k];
            int offset = offsets[i];
            int len = length(i);
            for (int t = 0; t < len; t++) {
                if (tokens != null) {
                    x[(k * features + tokens[offset + t]) * steps + t] = 1f;
                } else {
                    for (int f = 0; f < features; f++) {
                        x[(k * features + f) * steps + t] = values[(offset + t) * features + f];
                    }
                }
                if (mask != null) {
                    mask[k * steps + t] = 1f;
                }
                if (perStep) {
                    y[(k * numClasses + labels[offset + t]) * steps + t] = 1f;
                }
            }
            if (!perStep) {
                y[k * numClasses + labels[i]] = 1f;
            }
        }
        INDArray features3d = Nd4j.create(x, new long[] {n, features, steps}, 'c');
        INDArray labelArray = perStep ? Nd4j.create(y, new long[] {n, numClasses, steps}, 'c')
                : Nd4j.create(y, new long[] {n, numClasses}, 'c');
        INDArray featureMask = mask == null ? null : Nd4j.create(mask, new long[] {n, steps}, 'c');
        INDArray labelMask = perStep && mask != null ? featureMask.dup() : null;
        return new DataSet(features3d, labelArray, featureMask, labelMask);
    }
}
