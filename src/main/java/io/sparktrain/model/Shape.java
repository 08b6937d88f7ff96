package io.sparktrain.model;

/**
 * The shape of one example as it flows between layers: a feature map of {@code channels x height x width}, a flat
 * vector of {@code channels} values, or a sequence of any length whose every step is a vector of {@code channels}
 * values (for a vector and a sequence, {@code height = width = 1}).
 */
public record Shape(int channels, int height, int width, Kind kind) {

    /** What kind of values an example is. */
    public enum Kind {
        /** {@code channels x height x width}. */
        MAP,
        /** {@code channels} values. */
        VECTOR,
        /** Time steps of {@code channels} values each. */
        SEQUENCE
    }

    /** A feature map. */
    public static Shape map(int channels, int height, int width) {
        return new Shape(channels, height, width, Kind.MAP);
    }

    /** A flat vector. */
    public static Shape vector(int size) {
        return new Shape(size, 1, 1, Kind.VECTOR);
    }

    /** A sequence of {@code features} values per step. */
    public static Shape sequence(int features) {
        return new Shape(features, 1, 1, Kind.SEQUENCE);
    }

    /** True for a flat vector. */
    public boolean flat() {
        return kind == Kind.VECTOR;
    }

    /** True for a sequence. */
    public boolean sequence() {
        return kind == Kind.SEQUENCE;
    }

    /** Number of values (per step, for a sequence). */
    public long size() {
        return (long) channels * height * width;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MAP -> "[" + channels + ", " + height + ", " + width + "]";
            case VECTOR -> "[" + channels + "]";
            case SEQUENCE -> "[" + channels + " x steps]";
        };
    }
}
