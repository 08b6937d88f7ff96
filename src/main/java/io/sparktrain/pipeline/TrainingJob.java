package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.report.ProgressDisplay;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
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

    /** The run folder when none is given: {@code runs/<yyyyMMdd-HHmmss>-<name>}. */
    public static String defaultOut(JobConfig job) {
        return "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + job.name();
    }

    /**
     * Trains {@code job} in a Spark context of its own and writes the run folder {@code out}.
     *
     * @param sparkConf Spark settings; its master is used when set (spark-submit sets it), else the job's
     *     {@code spark.master}
     */
    public static RunReport run(JobConfig job, String out, SparkConf sparkConf) {
        Configuration hadoop = new Configuration();
        RunOutput output = RunOutput.prepare(out, hadoop);
        JobData data = validated(job, hadoop);
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf(sparkConf, job, ""))) {
            return train(job, data, output, sc);
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

    /** Trains {@code job} on an existing Spark context and writes the run folder {@code out}. */
    public static RunReport run(JobConfig job, String out, JavaSparkContext sc) {
        Configuration hadoop = sc.hadoopConfiguration();
        RunOutput output = RunOutput.prepare(out, hadoop);
        return train(job, validated(job, hadoop), output, sc);
    }

    /** The job's data read and checked against its model and training settings, without Spark. */
    public static JobData validated(JobConfig job, Configuration hadoop) {
        JobData data = JobData.prepare(job, hadoop);
        if (data.train().size() < job.training().workers()) {
            throw new ConfigException("training.workers (" + job.training().workers() + ") exceeds the "
                    + data.train().size() + " training examples");
        }
        LOG.info("{}", data.network().summary());
        LOG.info("data: {} training and {} test examples from {}", data.train().size(), data.test().size(),
                data.source().describe());
        return data;
    }

    private static RunReport train(JobConfig job, JobData data, RunOutput output, JavaSparkContext sc) {
        Configuration hadoop = sc.hadoopConfiguration();
        // The Spark UI groups the run's jobs under its name; each job's description names its epoch and round.
        sc.setJobGroup("sparktrain-" + job.name(), "sparktrain run " + job.name() + " -> " + output.target(), false);
        try {
            TrainingResult result;
            Map<String, Object> metrics;
            try (RunOutput.MetricsStream stream = output.stream();
                 ProgressDisplay display = ProgressDisplay.forThisProcess(job.training().epochs())) {
                LOG.info("metrics stream: {} (moved into {} at the end)", stream.file(), output.target());
                result = new ParameterAveragingTrainer(sc, data.network(), job.training())
                        .reporting(new TrainingProgress() {
                            @Override
                            public void epochStarted(int epoch, int roundsPerEpoch) {
                                display.epochStarted(epoch, roundsPerEpoch);
                            }

                            @Override
                            public void round(RoundRecord record, int roundsPerEpoch) {
                                stream.append("round", record);
                                display.round(record, roundsPerEpoch);
                            }

                            @Override
                            public void epoch(EpochRecord record) {
                                stream.append("epoch", record);
                                display.epoch(record);
                            }
                        })
                        .train(data.source(), data.train().size(), data.test().size());
                metrics = RunMetrics.of(job, data.network(), result, sc);
                metrics.put("data", data.metrics());
                List<String> files = new ArrayList<>(data.source().files(Split.TRAIN, hadoop));
                files.addAll(data.source().files(Split.TEST, hadoop));
                metrics.put("provenance", Map.of("data", Provenance.files(files.stream().distinct().toList(), hadoop),
                        "versions", Provenance.versions(sc.version())));
                // The stream's last line: what metrics.json says of the run as a whole.
                stream.append("run", Map.of("name", metrics.get("name"), "test", metrics.get("test"),
                        "throughput", metrics.get("throughput"), "epochs", result.epochs().size(),
                        "rounds", result.rounds().size()));
            }
            output.stage(ReportJob.REPORT, ReportJob.html(data.network(),
                    new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(metrics), job.render(),
                    result.network(), data.test(), job.training().evalBatchSize())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            output.write(result.network(), ModelDescription.of(data.network()), job.render(), metrics,
                    data.vocabulary());
            return new RunReport(output.target().toString(), result, metrics);
        } catch (IOException e) {
            output.abandon();
            throw new UncheckedIOException("writing " + output.target() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            output.abandon();
            throw e;
        }
    }
}
