package io.sparktrain.pipeline;

import io.sparktrain.config.DataConfig;
import io.sparktrain.config.JobConfig;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.training.Evaluation;
import io.sparktrain.training.TrainingResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/** The {@code metrics.json} document of a run, and the evaluation part {@code evaluate} prints too. */
final class RunMetrics {

    private RunMetrics() {
    }

    static Map<String, Object> of(JobConfig job, NetworkSpec network, TrainingResult r, JavaSparkContext sc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", job.name());
        m.put("network", network.name());
        m.put("output", network.output().name().toLowerCase(Locale.ROOT));
        m.put("workers", job.training().workers());
        m.put("batchSizePerWorker", job.training().batchSizePerWorker());
        m.put("averagingFrequency", job.training().averagingFrequency());
        m.put("updater", job.training().updater());
        m.put("seed", job.training().seed());
        m.put("spark", Map.of("master", sc.master(), "applicationId", sc.sc().applicationId(),
                "version", sc.version()));
        m.put("test", test(r.test(), job.data().format() == DataConfig.Format.TEXT));
        m.put("throughput", Map.of("examplesPerSecond", r.examplesPerSecond(), "trainExamples", r.trainExamples(),
                "trainSeconds", r.trainSeconds()));
        m.put("kernels", r.kernels().stream().map(k -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("shard", k.shard());
            e.put("executorId", k.executorId());
            e.putAll(k.report().toMap());
            return e;
        }).toList());
        m.put("epochs", r.epochs());
        m.put("rounds", r.rounds());
        return m;
    }

    /**
     * The {@code data} section: what the driver recorded of the data, and {@code bytesReadPerShard}, the bytes each
     * shard's executor read to load its shard, when they were measured.
     */
    static Map<String, Object> data(Map<String, Object> recorded, TrainingResult r) {
        Map<String, Object> data = new LinkedHashMap<>(recorded);
        if (!r.bytesReadPerShard().isEmpty()) {
            data.put("bytesReadPerShard", r.bytesReadPerShard());
        }
        return data;
    }

    /** Accuracy, loss and target count; perplexity for a text model. */
    static Map<String, Object> test(Evaluation e, boolean text) {
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("accuracy", e.accuracy());
        test.put("loss", e.meanLoss());
        // Examples, or scored time steps for a network with one class per step.
        test.put("examples", e.examples());
        if (text) {
            test.put("perplexity", e.perplexity());
        }
        // Rows: true class; columns: predicted class.
        test.put("confusion", e.confusionRows());
        return test;
    }

    /** {@link #test} with per-class precision and recall and the confusion matrix (rows: true class). */
    static Map<String, Object> detailed(Evaluation e, boolean text) {
        Map<String, Object> m = test(e, text);
        int classes = e.classes();
        List<Map<String, Object>> perClass = new java.util.ArrayList<>();
        for (int c = 0; c < classes; c++) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("class", c);
            one.put("support", e.support(c));
            one.put("precision", e.precision(c));
            one.put("recall", e.recall(c));
            perClass.add(one);
        }
        m.put("perClass", perClass);
        return m;
    }
}
