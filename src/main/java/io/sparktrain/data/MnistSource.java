package io.sparktrain.data;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * MNIST IDX files in one directory.
 *
 * @param dir directory URI
 * @param trainLimit first N training examples, 0 = all
 * @param testLimit first N test examples, 0 = all
 */
public record MnistSource(String dir, int trainLimit, int testLimit) implements ExampleSource {

    @Override
    public ExampleSet load(Split split, Configuration hadoop) {
        return MnistData.load(dir, split, limit(split), hadoop);
    }

    /** Reads only the records of the ranges (a gzipped file is decompressed up to the last range's end). */
    @Override
    public ExampleSet load(Split split, IndexRanges ranges, Configuration hadoop) {
        return MnistData.load(dir, split, ranges, hadoop);
    }

    @Override
    public int count(Split split, Configuration hadoop) {
        return MnistData.check(dir, split, limit(split), hadoop)[0];
    }

    int limit(Split split) {
        return split == Split.TRAIN ? trainLimit : testLimit;
    }

    @Override
    public String describe() {
        return "MNIST IDX files in " + dir;
    }

    @Override
    public List<String> files(Split split, Configuration hadoop) {
        return MnistData.files(dir, split, hadoop);
    }
}
