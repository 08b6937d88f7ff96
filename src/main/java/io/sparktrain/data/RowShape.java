package io.sparktrain.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * How a row of feature values (a Parquet row, a DataFrame row) becomes an example, read row-major: three sizes make
 * an image ({@link ExampleSet} of {@code [channels, height, width]}), two a fixed-length sequence
 * ({@link SequenceSet} of {@code steps} steps of {@code features} values, one class per sequence), one a flat vector
 * (an {@link ExampleSet} of {@code [n, 1, 1]}, which dense layers read as {@code n} values).
 *
 * @param sizes the sizes, 1 to 3 of them, each &gt; 0
 */
public record RowShape(List<Integer> sizes) implements Serializable {

    /** Copies and checks the sizes. */
    public RowShape {
        sizes = List.copyOf(sizes);
        if (sizes.isEmpty() || sizes.size() > 3 || sizes.stream().anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("a row's shape is [channels, height, width], [steps, features] or "
                    + "[n], each size > 0, not " + sizes);
        }
        if (sizes.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b) > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("shape " + sizes + " describes too many values per row");
        }
    }

    /** The shape of {@code sizes}. */
    public static RowShape of(int... sizes) {
        return new RowShape(Arrays.stream(sizes).boxed().toList());
    }

    /** Values per row, the product of the sizes. */
    public int length() {
        return sizes.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
    }

    /** True when a row is a sequence ({@code [steps, features]}). */
    public boolean sequences() {
        return sizes.size() == 2;
    }

    /**
     * The rows as examples.
     *
     * @param features {@code labels.length * length()} values, row after row
     * @param labels one class per row, in {@code [0, classes)}
     * @param classes number of classes
     */
    public Examples examples(float[] features, int[] labels, int classes) {
        if (sequences()) {
            int steps = sizes.get(0);
            int[] offsets = new int[labels.length + 1];
            for (int i = 1; i < offsets.length; i++) {
                offsets[i] = i * steps;
            }
            return SequenceSet.dense(features, sizes.get(1), offsets, labels, SequenceSet.Labels.PER_SEQUENCE,
                    classes);
        }
        int[] exampleShape = sizes.size() == 3 ? new int[] {sizes.get(0), sizes.get(1), sizes.get(2)}
                : new int[] {sizes.get(0), 1, 1};
        return new ExampleSet(features, labels, exampleShape, classes);
    }
}
