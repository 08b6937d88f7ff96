package io.sparktrain.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * The characters of a text model, each with its index (its input position and its class). Built once on the driver
 * from the whole text, shipped to executors inside the data source and saved next to the model, so that training,
 * evaluation and sampling agree on the codes.
 */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] codePoints;

    private Vocabulary(int[] codePoints) {
        this.codePoints = codePoints;
    }

    /** The distinct characters of {@code text}, in code-point order. */
    public static Vocabulary of(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new Vocabulary(set.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A vocabulary saved with {@link #characters()}. */
    public static Vocabulary parse(String characters) {
        int[] cps = characters.codePoints().toArray();
        for (int i = 1; i < cps.length; i++) {
            if (cps[i] <= cps[i - 1]) {
                throw new IllegalArgumentException("vocabulary characters must be distinct and in code-point order");
            }
        }
        return new Vocabulary(cps);
    }

    /** Number of characters. */
    public int size() {
        return codePoints.length;
    }

    /** All characters, in index order. */
    public String characters() {
        return new String(codePoints, 0, codePoints.length);
    }

    /** The index of a character, or -1 when it is not in the vocabulary. */
    public int index(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : -1;
    }

    /** The character at {@code index}. */
    public String character(int index) {
        return new String(codePoints, index, 1);
    }
}
