package io.sparktrain.cli;

import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.model.ModelSummary;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.pipeline.JobData;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code describe CONF [--set key=value ...]}: the job's network as Keras' {@code summary()} shows one
 * ({@link ModelSummary}). Sizes the job leaves to the data (features per step, a vocabulary) are read from it.
 */
final class DescribeCommand {

    static final String USAGE = "describe CONF [--set key=value ...]";

    private DescribeCommand() {
    }

    static String run(List<String> words) {
        CommandLine line = CommandLine.parse(words, USAGE, "config file", Set.of("--set"));
        Configuration hadoop = new Configuration();
        JobConfig job = JobConfigLoader.load(line.argument(), line.all("--set"), hadoop);
        boolean fromData = job.model().classes().isEmpty() || (job.model().sequences()
                && job.model().features().isEmpty());
        NetworkSpec spec = fromData ? JobData.prepare(job, hadoop).network() : job.model().resolve();
        return ModelSummary.of(spec).table();
    }
}
