package io.sparktrain.data;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Sequences in CSV ({@link CsvSequences}): {@code dir/train/} and {@code dir/test/} (layout {@code files}) or
 * {@code dir/train.csv} and {@code dir/test.csv} (layout {@code single}).
 *
 * @param dir the directory
 * @param format what the files hold
 * @param trainLimit first N training sequences, 0 = all
 * @param testLimit first N test sequences, 0 = all
 * @param scaling per-feature standardisation computed from the training split, applied to both
 *     ({@link FeatureScaling#NONE} to keep the values as they are)
 */
public record CsvSource(String dir, CsvSequences.Format format, int trainLimit, int testLimit,
                        FeatureScaling scaling) implements ExampleSource {

    @Override
    public SequenceSet load(Split split, Configuration hadoop) {
        SequenceSet raw = CsvSequences.read(location(split), format, split == Split.TRAIN ? trainLimit : testLimit,
                hadoop);
        return scaling.apply(raw);
    }

    /** With layout {@code files}, opens only the ranges' files (one sequence each); a single file is read whole. */
    @Override
    public SequenceSet load(Split split, IndexRanges ranges, Configuration hadoop) {
        return scaling.apply(CsvSequences.read(location(split), format, ranges, hadoop));
    }

    /** Where a split is. */
    public String location(Split split) {
        String name = split == Split.TRAIN ? "train" : "test";
        String base = dir.endsWith("/") ? dir : dir + "/";
        return base + (format.layout() == CsvSequences.Layout.SINGLE ? name + ".csv" : name);
    }

    /** The same source, standardising features with {@code scaling}. */
    public CsvSource withScaling(FeatureScaling scaling) {
        return new CsvSource(dir, format, trainLimit, testLimit, scaling);
    }

    @Override
    public String describe() {
        return "CSV sequences in " + dir + " (layout " + format.layout().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public List<String> files(Split split, Configuration hadoop) {
        return CsvSequences.files(location(split), format.layout(), hadoop);
    }
}
