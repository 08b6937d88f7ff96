package io.sparktrain.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * A UTF-8 text file as next-character examples: windows of {@code window} characters, each labelled at every step
 * with the character that follows. The last {@code testFraction} of the text is held out; test windows do not
 * overlap, so every held-out character is scored exactly once.
 */
public final class TextCorpus {

    private TextCorpus() {
    }

    /**
     * Reads a whole UTF-8 file.
     *
     * @throws DataFormatException naming the file and line when it is missing, empty or not UTF-8
     */
    public static String read(String file, Configuration hadoop) {
        return read(file, hadoop, Utf8Lines.textBudget());
    }

    /** As {@link #read(String, Configuration)}, holding at most {@code maxChars} characters. */
    static String read(String file, Configuration hadoop, long maxChars) {
        StringBuilder text = new StringBuilder();
        try (Utf8Lines lines = Utf8Lines.open(file, hadoop, maxChars)) {
            String line = lines.next();
            while (line != null) {
                text.append(line);
                line = lines.next();
                if (line != null || lines.endsWithNewline()) {
                    text.append('\n');
                }
            }
        }
        if (text.codePointCount(0, text.length()) < 2) {
            throw new DataFormatException(file, "empty file: a text model needs at least two characters");
        }
        return text.toString();
    }

    /** The character codes of the training or test part of {@code text}. */
    public static int[] encode(String text, Vocabulary vocabulary, Split split, double testFraction) {
        int[] cps = text.codePoints().toArray();
        int cut = cut(cps.length, testFraction);
        int from = split == Split.TRAIN ? 0 : cut;
        int to = split == Split.TRAIN ? cut : cps.length;
        int[] codes = new int[to - from];
        for (int i = from; i < to; i++) {
            codes[i - from] = vocabulary.index(cps[i]);
            if (codes[i - from] < 0) {
                throw new IllegalArgumentException("character U+" + Integer.toHexString(cps[i]) + " not in vocabulary");
            }
        }
        return codes;
    }

    /** Where the held-out part starts, in characters. */
    static int cut(int characters, double testFraction) {
        return characters - (int) Math.round(characters * testFraction);
    }

    /**
     * Cuts character codes into next-character examples: a window starts every {@code stride} characters; the last
     * one may be shorter, so that every character but the first is a target at least once.
     */
    public static SequenceSet windows(int[] codes, int vocabulary, int window, int stride) {
        List<Integer> offsets = new ArrayList<>(List.of(0));
        List<int[]> pieces = new ArrayList<>();
        int steps = 0;
        for (int start = 0; start < codes.length - 1; start += stride) {
            int length = Math.min(window, codes.length - 1 - start);
            pieces.add(new int[] {start, length});
            steps += length;
            offsets.add(steps);
            if (start + length >= codes.length - 1) {
                break;
            }
        }
        int[] inputs = new int[steps];
        int[] labels = new int[steps];
        int at = 0;
        for (int[] p : pieces) {
            System.arraycopy(codes, p[0], inputs, at, p[1]);
            System.arraycopy(codes, p[0] + 1, labels, at, p[1]);
            at += p[1];
        }
        return SequenceSet.tokens(inputs, vocabulary, offsets.stream().mapToInt(Integer::intValue).toArray(), labels,
                SequenceSet.Labels.PER_STEP, vocabulary);
    }

    /** Entropy in nats of the character frequencies of {@code codes}: the loss of a model that ignores context. */
    public static double unigramEntropy(int[] codes, int vocabulary) {
        long[] counts = new long[vocabulary];
        for (int c : codes) {
            counts[c]++;
        }
        double h = 0;
        for (long n : counts) {
            if (n > 0) {
                double p = (double) n / codes.length;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
