package io.sparktrain.data;

import java.io.Serializable;
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
    ExampleSet load(Split split, Configuration hadoop);

    /** What the examples are, for logs and provenance (e.g. the directory URI). */
    String describe();
}
