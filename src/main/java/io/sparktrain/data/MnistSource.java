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
        return MnistData.load(dir, split, split == Split.TRAIN ? trainLimit : testLimit, hadoop);
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
