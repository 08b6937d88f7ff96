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
     * Loads and validates examples {@code [from, to)} of one split, in the split's order: what
     * {@code load(split, hadoop)} would hold at those positions. A format that can reads only the bytes of that
     * range (a record range, the row groups or files it spans); this default reads the whole split and keeps the
     * range.
     *
     * @throws DataFormatException naming the file and the problem
     * @throws IllegalArgumentException when the range is not within the split
     */
    default Examples load(Split split, int from, int to, Configuration hadoop) {
        Examples all = load(split, hadoop);
        if (from < 0 || to < from || to > all.size()) {
            throw new IllegalArgumentException("examples [" + from + ", " + to + ") of a split of " + all.size());
        }
        return all.subset(java.util.stream.IntStream.range(from, to).toArray());
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
