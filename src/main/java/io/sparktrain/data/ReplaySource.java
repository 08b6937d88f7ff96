package io.sparktrain.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * New training data with a sample of earlier data replayed after it, so that a retrained model keeps what the
 * earlier data taught: the training split is {@code current}'s followed by {@code earlier}'s examples at
 * {@code earlierIndices}; the test split is {@code current}'s alone.
 *
 * @param current the new data
 * @param earlier the data an earlier model was trained on
 * @param earlierIndices which of its training examples are replayed, in order
 */
public record ReplaySource(ExampleSource current, ExampleSource earlier, int[] earlierIndices)
        implements ExampleSource {

    @Override
    public Examples load(Split split, Configuration hadoop) {
        Examples now = current.load(split, hadoop);
        return split == Split.TEST ? now : now.concat(earlier.load(Split.TRAIN, hadoop).subset(earlierIndices));
    }

    /**
     * The range's part of the new data is read as {@code current} reads a range; the replayed part, scattered
     * over the earlier data, is read from the whole earlier split.
     */
    @Override
    public Examples load(Split split, int from, int to, Configuration hadoop) {
        if (split == Split.TEST) {
            return current.load(split, from, to, hadoop);
        }
        int now = current.count(Split.TRAIN, hadoop);
        if (to <= now) {
            return current.load(split, from, to, hadoop);
        }
        int[] replayed = java.util.Arrays.copyOfRange(earlierIndices, Math.max(from, now) - now, to - now);
        Examples earlierPart = earlier.load(Split.TRAIN, hadoop).subset(replayed);
        return from >= now ? earlierPart : current.load(split, from, now, hadoop).concat(earlierPart);
    }

    @Override
    public String describe() {
        return current.describe() + ", replaying " + earlierIndices.length + " examples of " + earlier.describe();
    }

    @Override
    public List<String> files(Split split, Configuration hadoop) {
        List<String> files = new ArrayList<>(current.files(split, hadoop));
        if (split == Split.TRAIN) {
            files.addAll(earlier.files(Split.TRAIN, hadoop));
        }
        return files;
    }
}
