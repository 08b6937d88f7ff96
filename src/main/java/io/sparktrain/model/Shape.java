package io.sparktrain.model;

/**
 * The shape of one example as it flows between layers: {@code channels x height x width} for feature maps, or a
 * flat vector of {@code channels} values ({@code height = width = 1}, {@code flat = true}).
 */
public record Shape(int channels, int height, int width, boolean flat) {

    /** A feature map. */
    public static Shape map(int channels, int height, int width) {
        return new Shape(channels, height, width, false);
    }

    /** A flat vector. */
    public static Shape vector(int size) {
        return new Shape(size, 1, 1, true);
    }

    /** Number of values. */
    public long size() {
        return (long) channels * height * width;
    }

    @Override
    public String toString() {
        return flat ? "[" + channels + "]" : "[" + channels + ", " + height + ", " + width + "]";
    }
}
