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
 */
public record TextSource(String file, Vocabulary vocabulary, int window, int stride, double testFraction)
        implements ExampleSource {

    @Override
    public SequenceSet load(Split split, Configuration hadoop) {
        return examples(TextCorpus.read(file, hadoop), split);
    }

    /** The examples of one split of {@code text}, the file's content already read. */
    public SequenceSet examples(String text, Split split) {
        int[] codes = TextCorpus.encode(text, vocabulary, split, testFraction);
        return TextCorpus.windows(codes, vocabulary.size(), window, split == Split.TRAIN ? stride : window);
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
