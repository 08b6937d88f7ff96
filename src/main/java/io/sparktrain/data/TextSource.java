package io.sparktrain.data;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Next-character examples from one UTF-8 text file ({@link TextCorpus}).
 *
 * @param file the text file URI
 * @param vocabulary built on the driver from the whole file
 * @param window characters per training example
 * @param stride characters between the starts of two training examples
 * @param testFraction the held-out tail of the text
 * @param index where the file's characters are, from the driver's reading of it: executors read only the bytes of
 *     their examples' characters
 */
public record TextSource(String file, Vocabulary vocabulary, int window, int stride, double testFraction,
                         TextIndex index) implements ExampleSource {

    @Override
    public SequenceSet load(Split split, Configuration hadoop) {
        return examples(TextCorpus.read(file, hadoop), split);
    }

    /**
     * Reads only the characters of the ranges' windows: for each range, from the checkpoint at or before its first
     * window's start to the one at or after its last window's end ({@link TextIndex}).
     */
    @Override
    public SequenceSet load(Split split, IndexRanges ranges, Configuration hadoop) {
        int cut = TextCorpus.cut(index.characters(), testFraction);
        int base = split == Split.TRAIN ? 0 : cut;
        int length = split == Split.TRAIN ? cut : index.characters() - cut;
        int step = step(split);
        int windows = count(split, hadoop);
        if (ranges.limit() > windows) {
            throw new IllegalArgumentException("examples " + ranges + " of a split of " + windows);
        }
        int[] from = new int[ranges.count()];
        int[] to = new int[ranges.count()];
        for (int r = 0; r < ranges.count(); r++) {
            long last = (long) (ranges.end(r) - 1) * step;
            from[r] = base + ranges.start(r) * step;
            to[r] = (int) (base + last + Math.min(window, length - 1 - last) + 1);
        }
        List<int[]> spans = TextCorpus.read(file, index, from, to, hadoop);
        spans.replaceAll(cps -> TextCorpus.encode(cps, 0, cps.length, vocabulary));
        return TextCorpus.windows(spans, vocabulary.size(), window, step);
    }

    /** From the driver's count of the characters: nothing is read. */
    @Override
    public int count(Split split, Configuration hadoop) {
        int cut = TextCorpus.cut(index.characters(), testFraction);
        return TextCorpus.windowCount(split == Split.TRAIN ? cut : index.characters() - cut, window, step(split));
    }

    /** Test windows do not overlap. */
    private int step(Split split) {
        return split == Split.TRAIN ? stride : window;
    }

    /** The examples of one split of {@code text}, the file's content already read. */
    public SequenceSet examples(String text, Split split) {
        int[] codes = TextCorpus.encode(text, vocabulary, split, testFraction);
        return TextCorpus.windows(codes, vocabulary.size(), window, step(split));
    }

    @Override
    public String describe() {
        return "text " + file + " (" + vocabulary.size() + " characters)";
    }

    @Override
    public List<String> files(Split split, Configuration hadoop) {
        return List.of(file);
    }
}
