package io.sparktrain.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;

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
        return read(file, hadoop, maxChars, null);
    }

    /** A text as {@link #read(String, Configuration)} returns it, and where its characters are in the file. */
    public record Indexed(String text, TextIndex index) {
    }

    /** As {@link #read(String, Configuration)}, noting where every {@code every}-th character starts. */
    public static Indexed readIndexed(String file, Configuration hadoop, int every) {
        TextIndex.Builder index = new TextIndex.Builder(every);
        String text = read(file, hadoop, Utf8Lines.textBudget(), index);
        return new Indexed(text, index.build());
    }

    private static String read(String file, Configuration hadoop, long maxChars, TextIndex.Builder index) {
        StringBuilder text = new StringBuilder();
        try (Utf8Lines lines = Utf8Lines.open(file, hadoop, maxChars)) {
            append(lines, text, index);
        }
        if (text.codePointCount(0, text.length()) < 2) {
            throw new DataFormatException(file, "empty file: a text model needs at least two characters");
        }
        return text.toString();
    }

    /**
     * Appends the text of {@code lines}, each line break as {@code \n}; tells {@code index} (if any) where each
     * character starts.
     */
    private static void append(Utf8Lines lines, StringBuilder text, TextIndex.Builder index) {
        for (String line = lines.next(); line != null; line = lines.next()) {
            text.append(line);
            if (index != null) {
                long at = lines.lineStart();
                int before = lines.lineNumber() - 1;
                for (int i = 0; i < line.length(); ) {
                    int cp = line.codePointAt(i);
                    index.character(at, before);
                    at += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                    i += Character.charCount(cp);
                }
                if (lines.endsWithNewline()) {
                    index.character(at, before); // at the \r of a \r\n
                }
            }
            if (lines.endsWithNewline()) {
                text.append('\n');
            }
        }
    }

    /**
     * The characters {@code [from[i], to[i])} of a text file, for spans ascending by start (they may overlap),
     * reading only the bytes between the checkpoints of {@code index} around them: spans within or next to the
     * same checkpoints are read together, so each byte is read once.
     *
     * @throws DataFormatException naming the file and line when it is unreadable, not UTF-8, or no longer holds
     *     the characters the index names
     */
    static List<int[]> read(String file, TextIndex index, int[] from, int[] to, Configuration hadoop) {
        List<int[]> spans = new ArrayList<>(from.length);
        if (from.length == 0) {
            return spans;
        }
        int every = index.every();
        try (FSDataInputStream in = Utf8Lines.openSeekable(file, hadoop)) {
            int i = 0;
            while (i < from.length) {
                int k0 = from[i] / every;
                int k1 = (int) ((to[i] + every - 1L) / every);
                int j = i + 1;
                while (j < from.length && from[j] / every <= k1) {
                    k1 = Math.max(k1, (int) ((to[j] + every - 1L) / every));
                    j++;
                }
                int first = k0 * every;
                int[] chars = read(file, in, index, k0, k1);
                for (; i < j; i++) {
                    spans.add(Arrays.copyOfRange(chars, from[i] - first, to[i] - first));
                }
            }
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        return spans;
    }

    /** The characters from checkpoint {@code k0} to checkpoint {@code k1} (or the end). */
    private static int[] read(String file, FSDataInputStream in, TextIndex index, int k0, int k1) {
        long start = index.offsets()[k0];
        long end = k1 < index.offsets().length ? index.offsets()[k1] : Long.MAX_VALUE;
        int expected = (int) (Math.min((long) k1 * index.every(), index.characters()) - (long) k0 * index.every());
        StringBuilder text = new StringBuilder();
        try (Utf8Lines lines = Utf8Lines.part(file, in, start, end, Utf8Lines.textBudget(), index.lines()[k0])) {
            append(lines, text, null);
        }
        int[] chars = text.codePoints().toArray();
        if (chars.length != expected) {
            throw new DataFormatException(file, "line " + (index.lines()[k0] + 1) + ": " + chars.length
                    + " characters from byte " + start + " where the driver read " + expected
                    + "; the file changed while the job ran");
        }
        return chars;
    }

    /** The character codes of the training or test part of {@code text}. */
    public static int[] encode(String text, Vocabulary vocabulary, Split split, double testFraction) {
        int[] cps = text.codePoints().toArray();
        int cut = cut(cps.length, testFraction);
        return encode(cps, split == Split.TRAIN ? 0 : cut, split == Split.TRAIN ? cut : cps.length, vocabulary);
    }

    /** The character codes of code points {@code [from, to)}. */
    static int[] encode(int[] cps, int from, int to, Vocabulary vocabulary) {
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
    public static int cut(int characters, double testFraction) {
        return characters - (int) Math.round(characters * testFraction);
    }

    /**
     * Cuts character codes into next-character examples: a window starts every {@code stride} characters; the last
     * one may be shorter, so that every character but the first is a target at least once.
     */
    public static SequenceSet windows(int[] codes, int vocabulary, int window, int stride) {
        return windows(List.of(codes), vocabulary, window, stride);
    }

    /**
     * The windows of each of {@code spans} in turn, as {@link #windows(int[], int, int, int)} cuts each: a span
     * that starts where a window of the whole text starts and ends where a later one ends gives exactly the
     * windows between them.
     */
    static SequenceSet windows(List<int[]> spans, int vocabulary, int window, int stride) {
        List<Integer> offsets = new ArrayList<>(List.of(0));
        List<int[]> pieces = new ArrayList<>();
        int steps = 0;
        for (int s = 0; s < spans.size(); s++) {
            int[] codes = spans.get(s);
            for (int start = 0; start < codes.length - 1; start += stride) {
                int length = Math.min(window, codes.length - 1 - start);
                pieces.add(new int[] {s, start, length});
                steps += length;
                offsets.add(steps);
                if (start + length >= codes.length - 1) {
                    break;
                }
            }
        }
        int[] inputs = new int[steps];
        int[] labels = new int[steps];
        int at = 0;
        for (int[] p : pieces) {
            int[] codes = spans.get(p[0]);
            System.arraycopy(codes, p[1], inputs, at, p[2]);
            System.arraycopy(codes, p[1] + 1, labels, at, p[2]);
            at += p[2];
        }
        return SequenceSet.tokens(inputs, vocabulary, offsets.stream().mapToInt(Integer::intValue).toArray(), labels,
                SequenceSet.Labels.PER_STEP, vocabulary);
    }

    /** How many windows {@link #windows(int[], int, int, int)} cuts from {@code length} characters. */
    static int windowCount(int length, int window, int stride) {
        if (length < 2) {
            return 0;
        }
        long starts = (length - 1L + stride - 1) / stride; // windows start before the last character
        long untilEnd = 1 + Math.max(0, (length - 1L - window + stride - 1) / stride); // the first to reach the end
        return (int) Math.min(starts, untilEnd);
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
