package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.data.MnistParquet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileAlreadyExistsException;

/**
 * {@code make-parquet IDX_DIR OUT_DIR [--train-rows N] [--seed S]}: writes an MNIST IDX directory as Parquet
 * ({@link MnistParquet}) for {@code data.format = parquet}, the training split optionally grown to N rows by
 * shifted and rotated copies.
 */
final class MakeParquetCommand {

    static final String USAGE = "make-parquet IDX_DIR OUT_DIR [--train-rows N] [--seed S]";

    private MakeParquetCommand() {
    }

    /** Writes the data set and says where. */
    static String run(List<String> arguments) {
        List<String> words = new java.util.ArrayList<>();
        long trainRows = 0;
        long seed = 42;
        for (int i = 0; i < arguments.size(); i++) {
            String w = arguments.get(i);
            if (w.equals("--train-rows") || w.equals("--seed")) {
                if (i + 1 == arguments.size()) {
                    throw new ConfigException(w + " needs a value; usage: " + USAGE);
                }
                long value = number(w, arguments.get(++i));
                if (w.equals("--seed")) {
                    seed = value;
                } else if (value < 1 || value > Integer.MAX_VALUE) {
                    throw new ConfigException("--train-rows must be in [1, " + Integer.MAX_VALUE + "], got " + value);
                } else {
                    trainRows = value;
                }
            } else if (w.startsWith("-")) {
                throw new ConfigException("unknown option " + w + "; usage: " + USAGE);
            } else {
                words.add(w);
            }
        }
        if (words.size() != 2) {
            throw new ConfigException((words.size() < 2 ? "give the IDX folder and the output folder"
                    : "unexpected argument " + words.get(2)) + "; usage: " + USAGE);
        }
        String idx = words.get(0);
        String out = words.get(1);
        MnistParquet.Written w;
        try {
            w = MnistParquet.write(idx, out, trainRows, seed, new org.apache.hadoop.conf.Configuration());
        } catch (FileAlreadyExistsException e) {
            // The user named a folder in use: a usage error (exit 2), as train's --out is.
            throw new ConfigException(e.getMessage() + "; choose another or remove it");
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": " + e.getMessage(), e);
        }
        return "wrote " + w.trainRows() + " training rows (" + w.trainFiles() + " files) and " + w.testRows()
                + " test rows of " + Arrays.toString(w.shape()) + " pixels to " + out + "/train and " + out
                + "/test; train with data.format = parquet, data.parquet.path = \"" + out + "\", "
                + "data.parquet.shape = " + Arrays.toString(w.shape());
    }

    private static long number(String option, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(option + " must be a whole number, got \"" + text + "\"");
        }
    }
}
