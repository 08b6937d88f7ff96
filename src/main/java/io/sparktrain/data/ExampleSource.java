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

    /** What the examples are, for logs and provenance (e.g. the directory URI). */
    String describe();

    /** The URIs of the files a split is read from, for provenance. */
    List<String> files(Split split, Configuration hadoop);
}
