package io.sparktrain.data;

import java.io.Serializable;

/**
 * Where every {@code every}-th character of a text file starts, so that a reader of some characters seeks instead
 * of decoding the file from its start: character {@code k * every} (of the text as {@link TextCorpus#read} returns
 * it: byte-order mark skipped, {@code \r\n} read as {@code \n}) starts at byte {@code offsets[k]}, after
 * {@code lines[k]} line breaks. A {@code \n} read from {@code \r\n} starts at the {@code \r}. Built by the driver,
 * which reads the whole text anyway, and shipped to executors with the {@link TextSource}.
 *
 * @param every characters between two checkpoints
 * @param characters the characters the text holds
 * @param offsets the byte offset of each checkpoint's character
 * @param lines the line breaks before each checkpoint's character
 */
public record TextIndex(int every, int characters, long[] offsets, int[] lines) implements Serializable {

    /** Checkpoints every 4096 characters: 12 bytes of index per 4 KiB or more of text. */
    public static final int EVERY = 4096;

    /** Validates the shape. */
    public TextIndex {
        if (every < 1 || characters < 0 || offsets.length != lines.length
                || offsets.length != (characters + every - 1L) / every) {
            throw new IllegalArgumentException("text index of " + offsets.length + " checkpoints every " + every
                    + " characters for " + characters + " characters");
        }
    }

    /** Collects checkpoints while a text is read character by character. */
    static final class Builder {
        private final int every;
        private long[] offsets = new long[16];
        private int[] lines = new int[16];
        private int characters;

        Builder(int every) {
            if (every < 1) {
                throw new IllegalArgumentException("checkpoint every " + every + " characters");
            }
            this.every = every;
        }

        /** The next character starts at {@code offset}, after {@code linesBefore} line breaks. */
        void character(long offset, int linesBefore) {
            if (characters % every == 0) {
                int k = characters / every;
                if (k == offsets.length) {
                    offsets = java.util.Arrays.copyOf(offsets, 2 * k);
                    lines = java.util.Arrays.copyOf(lines, 2 * k);
                }
                offsets[k] = offset;
                lines[k] = linesBefore;
            }
            characters++;
        }

        TextIndex build() {
            int n = (int) ((characters + every - 1L) / every);
            return new TextIndex(every, characters, java.util.Arrays.copyOf(offsets, n),
                    java.util.Arrays.copyOf(lines, n));
        }
    }
}
