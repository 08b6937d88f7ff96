package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.DataConfig;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.training.Evaluation;
import io.sparktrain.training.Scoring;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Evaluates a saved model on the test split of its run's data (or other data of the same form) on Spark: the
 * run's job configuration says how the data is read and cut, so the same model on the same data reproduces the
 * run's test accuracy and loss exactly.
 */
public final class EvaluationJob {

    private EvaluationJob() {
    }

    /**
     * The outcome.
     *
     * @param model what was evaluated
     * @param evaluation the totals, confusion matrix included
     * @param document accuracy, loss, targets, per-class precision and recall, confusion matrix
     */
    public record Report(String model, Evaluation evaluation, Map<String, Object> document) {
    }

    /**
     * @param location a run folder or a model file
     * @param data another data folder (or text file) for the run's {@code data.format}, instead of its own
     * @param overrides {@code key=value} settings over the run's configuration (e.g. {@code data.testLimit})
     */
    public static Report run(String location, Optional<String> data, List<String> overrides, SparkConf sparkConf) {
        Configuration hadoop = new Configuration();
        Loaded loaded = load(location, data, overrides, hadoop);
        JobConfig job = loaded.model().job();
        try (JavaSparkContext sc = TrainingJob.open(TrainingJob.sparkConf(sparkConf, job, "evaluate-"), job)) {
            Evaluation e = Scoring.evaluate(sc, loaded.data().source(), loaded.data().testSize(),
                    job.training().workers(), loaded.model().network(), job.training().evalBatchSize());
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("model", location);
            document.put("data", loaded.data().source().describe());
            document.putAll(RunMetrics.detailed(e, job.data().format() == DataConfig.Format.TEXT));
            return new Report(location, e, document);
        }
    }

    /** A saved model and data it has been checked to fit. */
    record Loaded(SavedModel model, JobData data) {
    }

    /**
     * Reads the model and the data and checks they fit, before any Spark job.
     *
     * @throws ConfigException naming both shapes (or class counts) when they do not
     */
    static Loaded load(String location, Optional<String> data, List<String> overrides, Configuration hadoop) {
        SavedModel model = SavedModel.load(location, overrides, hadoop);
        if (data.isPresent()) {
            // The data key depends on the run's format, known once its configuration is read.
            String key = switch (model.job().data().format()) {
                case TEXT -> "data.text.file";
                case PARQUET -> "data.parquet.path";
                default -> "data.dir";
            };
            JobConfig job = JobConfigLoader.fromConfig(JobConfigLoader.overrides(List.of(key + "=" + data.get()))
                    .withFallback(model.job().effective()));
            model = new SavedModel(model.location(), model.network(), model.description(), job, model.vocabulary());
        }
        JobData jobData = JobData.prepare(model.job(), model.vocabulary(), hadoop);
        check(model.description(), jobData.network(), model.location(), jobData.source().describe());
        return new Loaded(model, jobData);
    }

    /** The one-line error when the model's input or classes differ from the data's. */
    static void check(ModelDescription model, NetworkSpec data, String modelName, String dataName) {
        if (!model.input().equals(data.input()) || model.classes() != data.classes()
                || model.output() != data.output()) {
            throw new ConfigException("model " + modelName + " takes input " + model.input() + " with "
                    + model.classes() + " classes, but " + dataName + " gives input " + data.input() + " with "
                    + data.classes() + " classes");
        }
    }
}
