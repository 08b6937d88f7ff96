package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfigLoader;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code config CONF [--set key=value ...] [--get KEY ...]}: validates a job and prints its effective configuration,
 * or the resolved value of each key asked for, one per line. Launch scripts ask it for {@code training.workers}, so that dotted keys, includes and
 * overrides count as the jar counts them.
 */
final class ConfigCommand {

    static final String USAGE = "config CONF [--set key=value ...] [--get KEY ...]";

    private ConfigCommand() {
    }

    static String run(List<String> words) {
        CommandLine line = CommandLine.parse(words, USAGE, "config file", Set.of("--set", "--get"));
        var job = JobConfigLoader.load(line.argument(), line.all("--set"), new Configuration());
        if (line.all("--get").isEmpty()) {
            return job.render();
        }
        StringBuilder values = new StringBuilder();
        for (String key : line.all("--get")) {
            boolean known;
            try {
                known = job.effective().hasPath(key);
            } catch (com.typesafe.config.ConfigException.BadPath e) {
                known = false; // "a..b", "": not a key, said as such rather than as an internal error
            }
            if (!known) {
                String shown = ConfigException.shorten(key, 120);
                throw new ConfigException("--get " + shown + ": no such key" + JobConfigLoader.nearestKey(key)
                        .map(k -> " (did you mean " + k + "?)").orElse(""));
            }
            values.append(values.length() > 0 ? "\n" : "").append(job.effective().getValue(key).unwrapped());
        }
        return values.toString();
    }
}
