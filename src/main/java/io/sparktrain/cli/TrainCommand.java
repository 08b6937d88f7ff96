package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.pipeline.RunReport;
import io.sparktrain.pipeline.TrainingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String given = line.option("--out", null);
        if (given != null && given.isBlank()) {
            throw new ConfigException("--out must name a folder, got an empty value; usage: " + USAGE);
        }
        String out = given != null ? given : TrainingJob.defaultOut(job);
        if (given == null) {
            // A signal before training starts ends the JVM at once (pipeline.Interruption): leave no empty folder.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeIfEmpty(Path.of(out))));
        }
        try {
            return TrainingJob.run(job, out, sparkConf, resume ? TrainingJob.Start.RESUME : TrainingJob.Start.FRESH);
        } catch (RuntimeException | Error e) {
            if (given == null) {
                removeIfEmpty(Path.of(out)); // the default folder was made for this run, which wrote nothing there
            }
            throw e;
        }
    }

    private static void removeIfEmpty(Path folder) {
        try (var entries = Files.list(folder)) {
            if (entries.findAny().isEmpty()) {
                Files.delete(folder);
            }
        } catch (IOException ignored) {
            // best effort: an empty folder left behind is harmless, and the run's own error matters more
        }
    }
}
