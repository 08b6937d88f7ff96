package io.sparktrain.data;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Labelled rows in Parquet ({@link ParquetExamples}): {@code dir/train} and {@code dir/test}, each a file or a folder
 * of files. A row's features are shaped by {@code shape}: three sizes make an image ({@link ExampleSet} of
 * {@code [channels, height, width]}), two a fixed-length sequence ({@link SequenceSet} of {@code steps} steps of
 * {@code features} values, one class per sequence), one a flat vector (an {@link ExampleSet} of
 * {@code [n, 1, 1]}, which dense layers read as {@code n} values).
 *
 * @param dir the folder URI
 * @param columns the feature and label columns, values per row and number of classes
 * @param shape one row's shape
 * @param trainLimit first N training rows, 0 = all
 * @param testLimit first N test rows, 0 = all
 */
public record ParquetSource(String dir, ParquetExamples.Columns columns, List<Integer> shape, int trainLimit,
                            int testLimit) implements ExampleSource {

    /** Copies the shape and checks that it agrees with the values per row. */
    public ParquetSource {
        shape = List.copyOf(shape);
        if (shape.isEmpty() || shape.size() > 3
                || shape.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b) != columns.length()) {
            throw new IllegalArgumentException("shape " + shape + " does not hold " + columns.length() + " values");
        }
    }

    @Override
    public Examples load(Split split, Configuration hadoop) {
        return shaped(ParquetExamples.read(files(split, hadoop), columns, split == Split.TRAIN ? trainLimit : testLimit,
                hadoop));
    }

    /** Reads only the row groups that hold rows of the ranges (and the footers before the last). */
    @Override
    public Examples load(Split split, IndexRanges ranges, Configuration hadoop) {
        return shaped(ParquetExamples.read(files(split, hadoop), columns, ranges, hadoop));
    }

    /** The first rows of the split's row groups (from the footers), within the split's limit. */
    @Override
    public int[] blockStarts(Split split, Configuration hadoop) {
        int limit = count(split, hadoop);
        return java.util.Arrays.stream(ParquetExamples.rowGroupStarts(files(split, hadoop), hadoop))
                .filter(start -> start < limit).mapToInt(Math::toIntExact).toArray();
    }

    /** The split's rows from its footers (schemas checked), the limit applied; no row is read. */
    @Override
    public int count(Split split, Configuration hadoop) {
        long rows = ParquetExamples.checkSchemas(files(split, hadoop), columns, hadoop);
        int limit = split == Split.TRAIN ? trainLimit : testLimit;
        return (int) Math.min(limit > 0 ? limit : Integer.MAX_VALUE - 8, rows);
    }

    private Examples shaped(ParquetExamples.Rows rows) {
        return new RowShape(shape).examples(rows.features(), rows.labels(), columns.classes());
    }

    /** Where a split is. */
    public String location(Split split) {
        return (dir.endsWith("/") ? dir : dir + "/") + (split == Split.TRAIN ? "train" : "test");
    }

    /**
     * Checks both splits' schemas from their footers alone, before any row is read.
     *
     * @return the row counts of the training and test splits
     * @throws DataFormatException naming the file and column at fault
     */
    public long[] checkSchemas(Configuration hadoop) {
        return new long[] {ParquetExamples.checkSchemas(files(Split.TRAIN, hadoop), columns, hadoop),
                ParquetExamples.checkSchemas(files(Split.TEST, hadoop), columns, hadoop)};
    }

    @Override
    public String describe() {
        return "Parquet rows in " + dir + " (features \"" + columns.features() + "\" shaped " + shape + ", label \""
                + columns.label() + "\")";
    }

    @Override
    public List<String> files(Split split, Configuration hadoop) {
        return ParquetExamples.files(location(split), hadoop);
    }
}
