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
     * The ranges' part of the new data is read as {@code current} reads ranges; the replayed part is read as
     * {@code earlier} reads the replayed examples' own ranges.
     */
    @Override
    public Examples load(Split split, IndexRanges ranges, Configuration hadoop) {
        if (split == Split.TEST) {
            return current.load(split, ranges, hadoop);
        }
        int now = current.count(Split.TRAIN, hadoop);
        if (ranges.limit() <= now) {
            return current.load(split, ranges, hadoop);
        }
        int[] replayed = ranges.within(now, now + earlierIndices.length).indices();
        for (int i = 0; i < replayed.length; i++) {
            replayed[i] = earlierIndices[replayed[i]];
        }
        // Read the replayed examples in ascending order, then put them back in the order the ranges name them.
        int[] sorted = java.util.Arrays.stream(replayed).sorted().distinct().toArray();
        Examples read = earlier.load(Split.TRAIN, IndexRanges.union(sorted,
                java.util.Arrays.stream(sorted).map(i -> i + 1).toArray()), hadoop);
        int[] positions = new int[replayed.length];
        for (int i = 0; i < replayed.length; i++) {
            positions[i] = java.util.Arrays.binarySearch(sorted, replayed[i]);
        }
        Examples earlierPart = read.subset(positions);
        IndexRanges currentPart = ranges.within(0, now);
        return currentPart.size() == 0 ? earlierPart : current.load(split, currentPart, hadoop).concat(earlierPart);
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
