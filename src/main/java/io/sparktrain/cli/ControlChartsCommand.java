package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.data.ControlCharts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.FileAlreadyExistsException;

/**
 * {@code make-control-charts DIR [--train-per-class N] [--test-per-class N] [--seed S]}: writes the synthetic
 * control-chart benchmark ({@link ControlCharts}) in the CSV sequence format.
 */
final class ControlChartsCommand {

    static final String USAGE = "make-control-charts DIR [--train-per-class N] [--test-per-class N] [--seed S]";

    private ControlChartsCommand() {
    }

    /** Writes the data set and says where. */
    static String run(List<String> words) {
        CommandLine line = CommandLine.parse(words, USAGE, "output directory",
                java.util.Set.of("--train-per-class", "--test-per-class", "--seed"));
        String dir = line.argument();
        int train = line.intOption("--train-per-class", 100);
        int test = line.intOption("--test-per-class", 50);
        long seed = line.longOption("--seed", 7);
        if (train <= 0 || test <= 0) {
            throw new ConfigException("--train-per-class and --test-per-class must be > 0");
        }
        try {
            ControlCharts.write(dir, train, test, seed, new org.apache.hadoop.conf.Configuration());
        } catch (FileAlreadyExistsException e) {
            // The user named a folder in use: a usage error (exit 2), as train's --out is, not an output failure.
            throw new ConfigException(e.getMessage() + "; choose another or remove it");
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        return "wrote " + train * ControlCharts.CLASSES.size() + " training and " + test * ControlCharts.CLASSES.size()
                + " test series of " + ControlCharts.STEPS + " steps, classes " + ControlCharts.CLASSES + ", to " + dir;
    }
}
