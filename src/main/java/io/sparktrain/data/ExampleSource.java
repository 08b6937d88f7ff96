package io.sparktrain.data;

import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Where a job's examples come from. Serializable, because each Spark executor loads its own shard from it rather
 * than receiving the data from the driver.
 */
public interface ExampleSource extends Serializable {

    /**
     * Loads and validates one split.
     *
     * @throws DataFormatException naming the file and the problem
     */
    Examples load(Split split, Configuration hadoop);

    /**
     * Loads and validates the examples in {@code ranges} of one split, in ascending order: what
     * {@code load(split, hadoop)} would hold at those positions. A format that can reads only the bytes of those
     * ranges (record ranges, the row groups or files they span); this default reads the whole split and keeps the
     * ranges.
     *
     * @throws DataFormatException naming the file and the problem
     * @throws IllegalArgumentException when the ranges are not within the split
     */
    default Examples load(Split split, IndexRanges ranges, Configuration hadoop) {
        Examples all = load(split, hadoop);
        if (ranges.limit() > all.size()) {
            throw new IllegalArgumentException("examples " + ranges + " of a split of " + all.size());
        }
        return all.subset(ranges.indices());
    }

    /**
     * The first indices of the split's natural units, ascending from 0 (Parquet's row groups), or empty when any
     * cut is as cheap as any other; shards are dealt in these units when they are coarse ({@link ShardPlan#of}).
     */
    default int[] blockStarts(Split split, Configuration hadoop) {
        return new int[0];
    }

    /**
     * The number of examples {@code load(split, hadoop)} holds, from headers or footers where the format has them
     * (IDX, Parquet); this default loads the split.
     */
    default int count(Split split, Configuration hadoop) {
        return load(split, hadoop).size();
    }

    /** What the examples are, for logs and provenance (e.g. the directory URI). */
    String describe();

    /** The URIs of the files a split is read from, for provenance. */
    List<String> files(Split split, Configuration hadoop);
}
