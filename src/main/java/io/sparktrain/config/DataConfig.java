package io.sparktrain.config;

import io.sparktrain.data.CsvSequences;

/**
 * Where the data is, what form it has and how much of it to use.
 *
 * @param format what the files hold ({@code data.format})
 * @param dir the MNIST IDX directory or the CSV directory, any Hadoop URI ({@code data.dir})
 * @param trainLimit keep the first N training examples, 0 = all ({@code data.trainLimit})
 * @param testLimit keep the first N test examples, 0 = all ({@code data.testLimit})
 * @param maxSequenceLength longest sequence accepted ({@code data.maxSequenceLength})
 * @param pixelByPixel seq-mnist: one pixel per step instead of one row ({@code data.seqMnist.steps})
 * @param csvLayout csv: one file per sequence, or one file with id and step columns ({@code data.csv.layout})
 * @param csvHeader csv: skip the first line of each file ({@code data.csv.header})
 * @param standardize csv: standardise each feature with the training split's mean and std
 *     ({@code data.csv.standardize})
 * @param textFile text: the UTF-8 file ({@code data.text.file})
 * @param window text: characters per example ({@code data.text.window})
 * @param stride text: characters between example starts ({@code data.text.stride})
 * @param testFraction text: the held-out tail ({@code data.text.testFraction})
 */
public record DataConfig(Format format, String dir, int trainLimit, int testLimit, int maxSequenceLength,
                         boolean pixelByPixel, CsvSequences.Layout csvLayout, boolean csvHeader, boolean standardize,
                         String textFile, int window, int stride, double testFraction) {

    /** The forms of data a job can train on. */
    public enum Format {
        /** MNIST IDX images. */
        MNIST,
        /** MNIST IDX images read as sequences. */
        SEQ_MNIST,
        /** Sequences in CSV files. */
        CSV,
        /** A UTF-8 text file, next-character prediction. */
        TEXT;

        /** True for the formats that give sequences. */
        public boolean sequences() {
            return this != MNIST;
        }
    }

    /** Default of {@code data.timeoutSeconds}. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;

    /**
     * {@code data.timeoutSeconds}: how long reading the data may wait on a file system that does not answer, 1 to
     * 3600, from a job's merged configuration (the default when it has none).
     *
     * @throws ConfigException naming the key when it is not a whole number in range
     */
    public static int timeoutSeconds(com.typesafe.config.Config effective) {
        String key = "data.timeoutSeconds";
        if (effective == null || !effective.hasPath(key)) {
            return DEFAULT_TIMEOUT_SECONDS;
        }
        int seconds;
        try {
            seconds = effective.getInt(key);
        } catch (com.typesafe.config.ConfigException e) {
            throw ConfigException.invalid(key, "be a whole number of seconds in 1..3600",
                    effective.getValue(key).render());
        }
        if (seconds < 1 || seconds > 3600) {
            throw ConfigException.invalid(key, "be in 1..3600", seconds);
        }
        return seconds;
    }

    /** Validates every field, naming the key at fault. */
    public DataConfig {
        if (format != Format.TEXT && (dir == null || dir.isBlank())) {
            throw ConfigException.invalid("data.dir", "be a directory path or URI", "\"" + dir + "\"");
        }
        if (format == Format.TEXT && (textFile == null || textFile.isBlank())) {
            throw ConfigException.invalid("data.text.file", "be a file path or URI when data.format = text",
                    "\"" + textFile + "\"");
        }
        if (trainLimit < 0) {
            throw ConfigException.invalid("data.trainLimit", "be >= 0 (0 = all)", trainLimit);
        }
        if (testLimit < 0) {
            throw ConfigException.invalid("data.testLimit", "be >= 0 (0 = all)", testLimit);
        }
        if (format == Format.TEXT && (trainLimit > 0 || testLimit > 0)) {
            throw new ConfigException("data.trainLimit and data.testLimit do not apply to data.format = text (its "
                    + "examples are windows of one file); use a shorter file or data.text.testFraction");
        }
        if (maxSequenceLength <= 0) {
            throw ConfigException.invalid("data.maxSequenceLength", "be > 0", maxSequenceLength);
        }
        // The data.text.* settings only matter, and are only checked, for data.format = text.
        if (format == Format.TEXT && window <= 0) {
            throw ConfigException.invalid("data.text.window", "be > 0", window);
        }
        if (format == Format.TEXT && window > maxSequenceLength) {
            throw ConfigException.invalid("data.text.window", "be <= data.maxSequenceLength (" + maxSequenceLength
                    + ")", window);
        }
        if (format == Format.TEXT && stride <= 0) {
            throw ConfigException.invalid("data.text.stride", "be > 0", stride);
        }
        if (format == Format.TEXT && !(testFraction > 0 && testFraction < 1)) {
            throw ConfigException.invalid("data.text.testFraction", "be in (0, 1)", testFraction);
        }
    }
}
