package io.sparktrain.data;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * MNIST read as sequences (sequential MNIST): row by row, or pixel by pixel, label at the last step.
 *
 * @param dir directory of the IDX files
 * @param trainLimit first N training examples, 0 = all
 * @param testLimit first N test examples, 0 = all
 * @param pixelByPixel 784 steps of one pixel instead of 28 steps of a row
 */
public record SeqMnistSource(String dir, int trainLimit, int testLimit, boolean pixelByPixel) implements ExampleSource {

    @Override
    public SequenceSet load(Split split, Configuration hadoop) {
        return SequenceSet.fromImages(MnistData.load(dir, split, split == Split.TRAIN ? trainLimit : testLimit, hadoop),
                pixelByPixel);
    }

    /** Reads only the records of the ranges, as {@link MnistSource} does. */
    @Override
    public SequenceSet load(Split split, IndexRanges ranges, Configuration hadoop) {
        return SequenceSet.fromImages(MnistData.load(dir, split, ranges, hadoop), pixelByPixel);
    }

    @Override
    public int count(Split split, Configuration hadoop) {
        return MnistData.check(dir, split, split == Split.TRAIN ? trainLimit : testLimit, hadoop)[0];
    }

    @Override
    public String describe() {
        return "MNIST IDX files in " + dir + " read " + (pixelByPixel ? "pixel by pixel" : "row by row");
    }

    @Override
    public List<String> files(Split split, Configuration hadoop) {
        return MnistData.files(dir, split, hadoop);
    }
}
