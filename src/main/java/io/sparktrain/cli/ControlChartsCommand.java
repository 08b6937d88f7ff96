package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.data.ControlCharts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

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
        String dir = null;
        int train = 100;
        int test = 50;
        long seed = 7;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("--")) {
                if (i + 1 >= words.size()) {
                    throw new ConfigException(w + " needs a value; usage: " + USAGE);
                }
                String v = words.get(++i);
                try {
                    switch (w) {
                        case "--train-per-class" -> train = Integer.parseInt(v);
                        case "--test-per-class" -> test = Integer.parseInt(v);
                        case "--seed" -> seed = Long.parseLong(v);
                        default -> throw new ConfigException("unknown option " + w + "; usage: " + USAGE);
                    }
                } catch (NumberFormatException e) {
                    throw new ConfigException(w + " expects a number, got \"" + v + "\"");
                }
            } else if (dir == null) {
                dir = w;
            } else {
                throw new ConfigException("unexpected argument " + w + "; usage: " + USAGE);
            }
        }
        if (dir == null) {
            throw new ConfigException("no output directory given; usage: " + USAGE);
        }
        if (train <= 0 || test <= 0) {
            throw new ConfigException("--train-per-class and --test-per-class must be > 0");
        }
        try {
            ControlCharts.write(dir, train, test, seed, new org.apache.hadoop.conf.Configuration());
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        return "wrote " + train * ControlCharts.CLASSES.size() + " training and " + test * ControlCharts.CLASSES.size()
                + " test series of " + ControlCharts.STEPS + " steps, classes " + ControlCharts.CLASSES + ", to " + dir;
    }
}
