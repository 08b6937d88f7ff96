package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.ModelSummary;
import io.sparktrain.report.ProgressDisplay;
import io.sparktrain.training.Checkpoint;
import io.sparktrain.training.CheckpointStore;
import io.sparktrain.training.EpochRecord;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.RoundRecord;
import io.sparktrain.training.TrainingProgress;
import io.sparktrain.training.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a training job end to end: checks the output folder and the data against the model before any Spark job,
 * trains with parameter averaging, and writes the run folder ({@link RunOutput}): the model in plain DL4J form, the
 * effective configuration, {@code metrics.json} with provenance, and a text model's vocabulary. {@code train},
 * {@code bench} and library users call this; nothing here parses command lines.
 */
public final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);

    private TrainingJob() {
    }

    /**
     * The run folder when none is given, {@code runs/<yyyyMMdd-HHmmss-SSS>-<name>} (a {@code -2}, {@code -3}...
     * suffix when taken), created empty here and now: runs started in the same millisecond, in this process or
     * another, each get a folder of their own instead of the second failing after training.
     */
    public static String defaultOut(JobConfig job) {
        return defaultOut(job, java.nio.file.Path.of("runs"));
    }

    /** As {@link #defaultOut(JobConfig)}, under {@code runs} instead of {@code runs/}. */
    static String defaultOut(JobConfig job, java.nio.file.Path runs) {
        String base = runs + "/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")) + "-"
                + job.name();
        try {
            java.nio.file.Files.createDirectories(runs);
            for (int n = 1; ; n++) {
                String candidate = n == 1 ? base : base + "-" + n;
                try {
                    java.nio.file.Files.createDirectory(java.nio.file.Path.of(candidate)); // atomic: one creator wins
                    return candidate;
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    // another run took it in the same millisecond: next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("creating the run folder " + base + ": " + e.getMessage(), e);
        }
    }

    /**
     * Trains {@code job} in a Spark context of its own and writes the run folder {@code out}.
     *
     * @param sparkConf Spark settings; its master is used when set (spark-submit sets it), else the job's
     *     {@code spark.master}
     */
    public static RunReport run(JobConfig job, String out, SparkConf sparkConf) {
        return run(job, out, sparkConf, Start.FRESH);
    }

    /** Whether a run starts afresh or continues from the newest valid checkpoint of the run writing to its folder. */
    public enum Start { FRESH, RESUME }

    /**
     * As {@link #run(JobConfig, String, SparkConf)}; with {@link Start#RESUME} the run continues from the newest
     * valid checkpoint in the job's checkpoint folder for {@code out} (corrupt ones skipped with a warning).
     */
    public static RunReport run(JobConfig job, String out, SparkConf sparkConf, Start start) {
        SparkConf conf = sparkConf(sparkConf, job, "");
        // Spark's own refusals (master URL, heap) before the data is read: a small heap fails reading it otherwise.
        SparkContexts.checkBeforeSpark(conf, conf.get("spark.master"));
        Configuration hadoop = new Configuration();
        RunOutput output = RunOutput.prepare(out, hadoop);
        JobData data = validated(job, hadoop);
        Resumption resumption = Resumption.of(job, data, output, start, hadoop);
        try (JavaSparkContext sc = open(conf, job)) {
            return train(job, data, output, resumption, sc);
        }
    }

    /** {@code sparkConf} with the job's master unless one is set (spark-submit sets it), named {@code kind-name}. */
    static SparkConf sparkConf(SparkConf sparkConf, JobConfig job, String kind) {
        SparkConf conf = sparkConf.clone();
        if (!conf.contains("spark.master")) {
            conf.setMaster(job.sparkMaster());
        }
        conf.setAppName("sparktrain-" + kind + job.name());
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        return conf;
    }

    /**
     * A Spark context on {@code conf} (from {@link #sparkConf}) for {@code job}; in local mode, when the launcher asked
     * ({@link LocalThreads}), with each of the job's workers given its share of the cores first.
     */
    static JavaSparkContext open(SparkConf conf, JobConfig job) {
        LocalThreads.apply(conf.get("spark.master"), job.training().workers());
        return SparkContexts.open(conf);
    }

    /** Trains {@code job} on an existing Spark context and writes the run folder {@code out}. */
    public static RunReport run(JobConfig job, String out, JavaSparkContext sc) {
        return run(job, out, sc, Start.FRESH);
    }

    /** As {@link #run(JobConfig, String, SparkConf, Start)}, on an existing Spark context. */
    public static RunReport run(JobConfig job, String out, JavaSparkContext sc, Start start) {
        Configuration hadoop = sc.hadoopConfiguration();
        RunOutput output = RunOutput.prepare(out, hadoop);
        JobData data = validated(job, hadoop);
        return train(job, data, output, Resumption.of(job, data, output, start, hadoop), sc);
    }

    /** The run's checkpoint folder and, when resuming, the checkpoint it continues from (checked before Spark). */
    private record Resumption(CheckpointStore store, Optional<Checkpoint> from, String fromPath) {
        static Resumption of(JobConfig job, JobData data, RunOutput output, Start start, Configuration hadoop) {
            CheckpointStore store = CheckpointStore.at(job.checkpoint().dirFor(output.target().toString()),
                    job.checkpoint().keep(), hadoop);
            List<org.apache.hadoop.fs.Path> existing = store.list();
            if (start == Start.FRESH) {
                if (!existing.isEmpty()) {
                    throw new ConfigException(store.dir() + " holds checkpoints of an earlier run writing to "
                            + output.target() + ": add --resume to continue it, or remove that folder");
                }
                return new Resumption(store, Optional.empty(), "");
            }
            CheckpointStore.Loaded loaded = store.newestValid(LOG::warn).orElseThrow(() -> new ConfigException(
                    "--resume: no valid checkpoint in " + store.dir() + (existing.isEmpty() ? ""
                            : " (" + existing.size() + " found, none readable: see the warnings above)")));
            loaded.checkpoint().identity().requireSame(Checkpoint.Identity.of(data.network(), job.training(),
                    data.trainSize(), data.testSize()), loaded.path().toString());
            LOG.info("resuming from {}: epoch {}, round {} ({} rounds done)", loaded.path(),
                    loaded.checkpoint().epoch() + 1, loaded.checkpoint().nextRound() + 1,
                    loaded.checkpoint().roundsDone());
            return new Resumption(store, Optional.of(loaded.checkpoint()), loaded.path().toString());
        }
    }

    /** The job's data read and checked against its model and training settings, without Spark. */
    public static JobData validated(JobConfig job, Configuration hadoop) {
        JobData data = JobData.prepare(job, hadoop);
        if (data.trainSize() < job.training().workers()) {
            throw new ConfigException("training.workers (" + job.training().workers() + ") exceeds the "
                    + data.trainSize() + " training examples");
        }
        checkFitsNativeMemory(ModelSummary.of(data.network()).totalParams(), Pointer.maxBytes());
        LOG.info("{}", data.network().summary());
        LOG.info("data: {} training and {} test examples from {}", data.trainSize(), data.testSize(),
                data.source().describe());
        return data;
    }

    /**
     * Refuses a network whose parameters, gradients and two optimiser moments (four floats a parameter) alone exceed
     * the native memory ND4J may use here: DL4J would fail after Spark started with "Allocation failed".
     */
    static void checkFitsNativeMemory(long params, long maxNativeBytes) {
        long needed = params > Long.MAX_VALUE / 16 ? Long.MAX_VALUE : params * 16;
        if (maxNativeBytes > 0 && needed > maxNativeBytes) {
            throw new ConfigException(String.format("the network has %,d parameters: with their gradients and "
                    + "optimiser state a worker needs at least %,d MiB of native memory, more than the %,d MiB this "
                    + "JVM may use (org.bytedeco.javacpp.maxbytes; NATIVE_MEMORY in the launchers); make model.layers "
                    + "smaller", params, needed >> 20, maxNativeBytes >> 20));
        }
    }

    private static RunReport train(JobConfig job, JobData data, RunOutput output, Resumption resumption,
                                   JavaSparkContext sc) {
        Configuration hadoop = sc.hadoopConfiguration();
        // The Spark UI groups the run's jobs under its name; each job's description names its epoch and round.
        sc.setJobGroup("sparktrain-" + job.name(), "sparktrain run " + job.name() + " -> " + output.target(), false);
        // Where the run is, for the line a signal ends it with; the trainer calls back on this (the driver) thread.
        int[] at = {0, 0, 0}; // epoch, round, rounds done including those before a resume
        int everyRounds = job.checkpoint().everyRounds();
        Runnable stopIfAsked = () -> Interruption.check(at[0] == 0 ? "before the first round"
                : "after epoch " + at[0] + " round " + at[1], resumption.store().list().stream().findFirst()
                .map(c -> "the newest checkpoint is " + c + ": the same command with --resume continues from it")
                .orElse("no checkpoint was written yet, so nothing is kept"));
        try (Interruption.Stretch stoppable = Interruption.cooperating()) {
            TrainingResult result;
            Map<String, Object> metrics;
            try (RunOutput.MetricsStream stream = output.stream();
                 ProgressDisplay display = ProgressDisplay.forThisProcess(job.training().epochs())) {
                LOG.info("metrics stream: {} (moved into {} at the end)", stream.file(), output.target());
                result = new ParameterAveragingTrainer(sc, data.network(), job.training())
                        .checkpointing(resumption.store(), job.checkpoint().everyRounds(), resumption.from())
                        .reporting(new TrainingProgress() {
                            @Override
                            public void resumed(List<RoundRecord> rounds, List<EpochRecord> epochs) {
                                // The stream of a resumed run holds every round and epoch, as if never interrupted.
                                int done = 0;
                                for (RoundRecord r : rounds) {
                                    for (; done < epochs.size() && epochs.get(done).epoch() < r.epoch(); done++) {
                                        stream.append("epoch", epochs.get(done));
                                    }
                                    stream.append("round", r);
                                }
                                epochs.subList(done, epochs.size()).forEach(e -> stream.append("epoch", e));
                                at[2] = rounds.size();
                            }

                            @Override
                            public void epochStarted(int epoch, int roundsPerEpoch) {
                                stopIfAsked.run();
                                display.epochStarted(epoch, roundsPerEpoch);
                            }

                            @Override
                            public void round(RoundRecord record, int roundsPerEpoch) {
                                stream.append("round", record);
                                display.round(record, roundsPerEpoch);
                                at[0] = record.epoch();
                                at[1] = record.round();
                                at[2]++;
                                // A signal stops the run here unless a checkpoint is due (mid-epoch every N
                                // rounds, always at the epoch's end): then right after it is written.
                                boolean checkpointDue = record.round() == roundsPerEpoch
                                        || everyRounds > 0 && at[2] % everyRounds == 0;
                                if (!checkpointDue) {
                                    stopIfAsked.run();
                                }
                            }

                            @Override
                            public void checkpointed(String path, int roundsDone) {
                                stopIfAsked.run();
                            }

                            @Override
                            public void epoch(EpochRecord record) {
                                stream.append("epoch", record);
                                display.epoch(record);
                            }
                        })
                        .train(data.source(), data.trainSize(), data.testSize());
                metrics = RunMetrics.of(job, data.network(), result, sc);
                metrics.put("data", RunMetrics.data(data.metrics(), result));
                metrics.put("checkpoints", Map.of("dir", resumption.store().dir().toString(),
                        "everyRounds", job.checkpoint().everyRounds(), "resumedFrom", resumption.fromPath(),
                        "roundsBeforeResume", resumption.from().map(Checkpoint::roundsDone).orElse(0)));
                List<String> files = new ArrayList<>(data.source().files(Split.TRAIN, hadoop));
                files.addAll(data.source().files(Split.TEST, hadoop));
                metrics.put("provenance", Map.of("data", Provenance.files(files.stream().distinct().toList(), hadoop),
                        "versions", Provenance.versions(sc.version())));
                // The stream's last line: what metrics.json says of the run as a whole.
                stream.append("run", Map.of("name", metrics.get("name"), "test", metrics.get("test"),
                        "throughput", metrics.get("throughput"), "epochs", result.epochs().size(),
                        "rounds", result.rounds().size()));
            }
            stopIfAsked.run(); // the last safe point: once the run folder is being written, it is finished
            output.stage(ReportJob.REPORT, ReportJob.html(data.network(),
                    new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(metrics), job.render(),
                    result.network(), data, hadoop, job.training().evalBatchSize(), result.misclassified())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            output.write(result.network(), ModelDescription.of(data.network()), job.render(), metrics,
                    data.vocabulary());
            // The run is whole: its checkpoints have served (a failed run keeps them for --resume).
            resumption.store().removeAll();
            return new RunReport(output.target().toString(), result, metrics);
        } catch (IOException e) {
            output.abandon();
            throw new UncheckedIOException("writing " + output.target() + ": " + e.getMessage(), e);
        } catch (org.apache.hadoop.fs.FSError e) {
            // Hadoop's local file system reports a full disk or an I/O error as an Error, not an IOException.
            output.abandon();
            throw new UncheckedIOException("writing " + output.target() + ": " + e.getCause().getMessage(),
                    new IOException(e));
        } catch (RuntimeException e) {
            output.abandon();
            throw e;
        } catch (Exception e) { // a SparkException (checked, undeclared) from a failed Spark job
            output.abandon();
            throw e;
        }
    }
}
