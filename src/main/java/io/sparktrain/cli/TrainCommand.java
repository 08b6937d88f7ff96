package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.pipeline.RunReport;
import io.sparktrain.pipeline.TrainingJob;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;

/** {@code train CONF [--set key=value ...] [--out DIR]}: reads the job and hands it to {@link TrainingJob}. */
final class TrainCommand {

    /** The usage line. */
    static final String USAGE = "train CONF [--set key=value ...] [--out DIR [--resume]]";

    private TrainCommand() {
    }

    /** Parses the words after {@code train} and runs the job. */
    static RunReport run(List<String> words, SparkConf sparkConf) {
        // --resume is a flag: the run to continue is the one writing to --out.
        boolean resume = words.contains("--resume");
        CommandLine line = CommandLine.parse(words.stream().filter(w -> !w.equals("--resume")).toList(), USAGE,
                "config file", Set.of("--set", "--out"));
        if (resume && line.option("--out", null) == null) {
            throw new ConfigException("--resume needs --out DIR, the folder the interrupted run was writing; usage: "
                    + USAGE);
        }
        JobConfig job = JobConfigLoader.load(line.argument(), line.all("--set"), new Configuration());
        return TrainingJob.run(job, line.option("--out", TrainingJob.defaultOut(job)), sparkConf,
                resume ? TrainingJob.Start.RESUME : TrainingJob.Start.FRESH);
    }
}
