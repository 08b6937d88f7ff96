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
 * @param parquet parquet: where the files are, their columns and how a row is shaped ({@code data.parquet.*})
 */
public record DataConfig(Format format, String dir, int trainLimit, int testLimit, int maxSequenceLength,
                         boolean pixelByPixel, CsvSequences.Layout csvLayout, boolean csvHeader, boolean standardize,
                         String textFile, int window, int stride, double testFraction, Parquet parquet) {

    /** The forms of data a job can train on. */
    public enum Format {
        /** MNIST IDX images. */
        MNIST,
        /** MNIST IDX images read as sequences. */
        SEQ_MNIST,
        /** Sequences in CSV files. */
        CSV,
        /** A UTF-8 text file, next-character prediction. */
        TEXT,
        /** Labelled rows in Parquet files: images, fixed-length sequences or flat vectors, per data.parquet.shape. */
        PARQUET;

        /** True for the formats that always give sequences (Parquet gives them when its shape has two sizes). */
        public boolean sequences() {
            return this != MNIST && this != PARQUET;
        }
    }

    /**
     * The {@code data.parquet.*} settings.
     *
     * @param path the folder holding {@code train/} and {@code test/} (each a Parquet file or a folder of them), any
     *     Hadoop URI ({@code data.parquet.path})
     * @param features the column of feature values: a list of floats or doubles, or a Spark ML vector
     *     ({@code data.parquet.features})
     * @param label the integer class column ({@code data.parquet.label})
     * @param shape one row's shape: {@code [channels, height, width]} (an image), {@code [steps, features]} (a
     *     sequence) or {@code [n]} (a flat vector); empty only when the format is not parquet
     *     ({@code data.parquet.shape})
     */
    public record Parquet(String path, String features, String label, java.util.List<Integer> shape) {

        /** Settings of a job that does not read Parquet. */
        public static final Parquet NONE = new Parquet("", "features", "label", java.util.List.of());

        /** Copies the shape. */
        public Parquet {
            shape = java.util.List.copyOf(shape);
        }

        /** True when a row is a sequence ({@code [steps, features]}). */
        public boolean sequences() {
            return shape.size() == 2;
        }

        /** Checks the settings of a parquet job, naming the key at fault. */
        void validate() {
            if (path == null || path.isBlank()) {
                throw ConfigException.invalid("data.parquet.path", "be a folder path or URI when data.format = "
                        + "parquet", "\"" + path + "\"");
            }
            if (features == null || features.isBlank()) {
                throw ConfigException.invalid("data.parquet.features", "be a column name", "\"" + features + "\"");
            }
            if (label == null || label.isBlank()) {
                throw ConfigException.invalid("data.parquet.label", "be a column name", "\"" + label + "\"");
            }
            if (features.equals(label)) {
                throw ConfigException.invalid("data.parquet.label", "differ from data.parquet.features",
                        "\"" + label + "\"");
            }
            if (shape.isEmpty() || shape.size() > 3) {
                throw ConfigException.invalid("data.parquet.shape", "be [channels, height, width], [steps, features] "
                        + "or [n]", shape);
            }
            if (shape.stream().anyMatch(d -> d <= 0)) {
                throw ConfigException.invalid("data.parquet.shape", "have sizes > 0", shape);
            }
            if (shape.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b) > Integer.MAX_VALUE / 4) {
                throw ConfigException.invalid("data.parquet.shape", "describe fewer values per row", shape);
            }
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
        if (format == Format.PARQUET) {
            parquet.validate();
        }
        if (format != Format.TEXT && format != Format.PARQUET && (dir == null || dir.isBlank())) {
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
