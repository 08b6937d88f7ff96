package io.sparktrain.model;

/**
 * Zero padding of a convolution or pooling window.
 *
 * @param mode {@link Mode#VALID} (none), {@link Mode#SAME} (output = ceil(input / stride)) or {@link Mode#EXPLICIT}
 * @param height rows added on each side (explicit mode)
 * @param width columns added on each side (explicit mode)
 */
public record Padding(Mode mode, int height, int width) {
    /** How the padding is chosen. */
    public enum Mode { VALID, SAME, EXPLICIT }

    /** No padding. */
    public static final Padding VALID = new Padding(Mode.VALID, 0, 0);
    /** Padding chosen so that output = ceil(input / stride). */
    public static final Padding SAME = new Padding(Mode.SAME, 0, 0);

    /** Explicit padding of {@code h} rows and {@code w} columns on each side. */
    public static Padding of(int h, int w) {
        return new Padding(Mode.EXPLICIT, h, w);
    }

    @Override
    public String toString() {
        return mode == Mode.EXPLICIT ? "[" + height + ", " + width + "]" : mode.name().toLowerCase();
    }
}
