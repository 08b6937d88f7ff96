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
 * @param trainSpans where each training sequence of a single file is, from the driver's reading of it, or
 *     {@link CsvSequences.Spans#none()}: range loads then read the whole file
 * @param testSpans the same for the test file
 */
public record CsvSource(String dir, CsvSequences.Format format, int trainLimit, int testLimit,
                        FeatureScaling scaling, CsvSequences.Spans trainSpans, CsvSequences.Spans testSpans)
        implements ExampleSource {

    /** A source whose single files' sequences are not located yet: range loads read them whole. */
    public CsvSource(String dir, CsvSequences.Format format, int trainLimit, int testLimit, FeatureScaling scaling) {
        this(dir, format, trainLimit, testLimit, scaling, CsvSequences.Spans.none(), CsvSequences.Spans.none());
    }

    @Override
    public SequenceSet load(Split split, Configuration hadoop) {
        return scaling.apply(CsvSequences.read(location(split), format, limit(split), hadoop));
    }

    /**
     * Reads one split whole, unscaled, noting where a single file's sequences are ({@link #withSpans}); logs why
     * when they cannot be read by byte range.
     */
    public CsvSequences.Located loadLocated(Split split, Configuration hadoop) {
        return CsvSequences.readLocated(location(split), format, limit(split), hadoop);
    }

    /**
     * With layout {@code files}, opens only the ranges' files (one sequence each); with layout {@code single}, reads
     * only the ranges' sequences' lines where their spans are known, else the whole file.
     */
    @Override
    public SequenceSet load(Split split, IndexRanges ranges, Configuration hadoop) {
        return scaling.apply(CsvSequences.read(location(split), format, ranges, spans(split), hadoop));
    }

    /** From the spans when they are known: nothing is read. */
    @Override
    public int count(Split split, Configuration hadoop) {
        return spans(split).known() ? spans(split).count() : ExampleSource.super.count(split, hadoop);
    }

    private int limit(Split split) {
        return split == Split.TRAIN ? trainLimit : testLimit;
    }

    private CsvSequences.Spans spans(Split split) {
        return split == Split.TRAIN ? trainSpans : testSpans;
    }

    /** Where a split is. */
    public String location(Split split) {
        String name = split == Split.TRAIN ? "train" : "test";
        String base = dir.endsWith("/") ? dir : dir + "/";
        return base + (format.layout() == CsvSequences.Layout.SINGLE ? name + ".csv" : name);
    }

    /** The same source, standardising features with {@code scaling}. */
    public CsvSource withScaling(FeatureScaling scaling) {
        return new CsvSource(dir, format, trainLimit, testLimit, scaling, trainSpans, testSpans);
    }

    /** The same source, reading a single file's sequences by these spans ({@link #loadLocated}). */
    public CsvSource withSpans(CsvSequences.Spans train, CsvSequences.Spans test) {
        return new CsvSource(dir, format, trainLimit, testLimit, scaling, train, test);
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
