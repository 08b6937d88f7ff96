package io.sparktrain.cli;

import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.pipeline.RetrainJob;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;

/** {@code retrain CONF --registry REGISTRY [--set key=value ...]}: one retraining cycle ({@link RetrainJob}). */
final class RetrainCommand {

    static final String USAGE = "retrain CONF --registry REGISTRY [--set key=value ...]";

    private RetrainCommand() {
    }

    static RetrainJob.Report run(List<String> words, SparkConf sparkConf) {
        CommandLine line = CommandLine.parse(words, USAGE, "config file", Set.of("--registry", "--set"));
        JobConfig job = JobConfigLoader.load(line.argument(), line.all("--set"), new Configuration());
        return RetrainJob.run(job, line.required("--registry"), sparkConf);
    }
}
