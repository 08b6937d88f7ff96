package io.sparktrain.config;

/**
 * Where the data is and how much of it to use.
 *
 * @param dir directory of the MNIST IDX files, any Hadoop URI ({@code data.dir})
 * @param trainLimit keep the first N training examples, 0 = all ({@code data.trainLimit})
 * @param testLimit keep the first N test examples, 0 = all ({@code data.testLimit})
 */
public record DataConfig(String dir, int trainLimit, int testLimit) {
    /** Validates every field, naming the key at fault. */
    public DataConfig {
        if (dir == null || dir.isBlank()) {
            throw ConfigException.invalid("data.dir", "be a directory path or URI", "\"" + dir + "\"");
        }
        if (trainLimit < 0) {
            throw ConfigException.invalid("data.trainLimit", "be >= 0 (0 = all)", trainLimit);
        }
        if (testLimit < 0) {
            throw ConfigException.invalid("data.testLimit", "be >= 0 (0 = all)", testLimit);
        }
    }
}
