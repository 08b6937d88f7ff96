package io.sparktrain.pipeline;

import com.typesafe.config.ConfigRenderOptions;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.RetrainConfig;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.training.Evaluation;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.Scoring;
import io.sparktrain.training.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduled retraining cycle against a {@link ModelRegistry}: under the registry's lock, a job whose inputs
 * (by content) and configuration made a version already is a no-op; otherwise it trains, warm-started from the
 * champion when the architecture is the same, stores the candidate as a new version, evaluates candidate and
 * champion on the same holdout set (the job's test split) and promotes the candidate only if it passes the quality
 * gate ({@link RetrainConfig}). Every decision goes into the registry's history with both sets of figures.
 */
public final class RetrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);

    private RetrainJob() {
    }

    /** What a cycle did. */
    public enum Outcome {
        /** The candidate passed the gate and is the champion now. */
        PROMOTED,
        /** The candidate was stored but the gate kept the champion. */
        KEPT,
        /** The same inputs and configuration made a version before: nothing was trained. */
        UNCHANGED
    }

    /**
     * The outcome of a cycle.
     *
     * @param outcome what happened
     * @param version the candidate's version (for {@link Outcome#UNCHANGED}, the existing version)
     * @param champion the champion after the cycle
     * @param reason why, in one line
     */
    public record Report(Outcome outcome, int version, Optional<Integer> champion, String reason) {
    }

    /** Runs one cycle of {@code job} against the registry at {@code registryUri} (created when absent). */
    public static Report run(JobConfig job, String registryUri, SparkConf sparkConf) {
        Configuration hadoop = new Configuration();
        RetrainConfig settings = job.retrain();
        ModelRegistry registry = ModelRegistry.open(registryUri, true, hadoop);
        JobData data = TrainingJob.validated(job, hadoop);
        List<String> files = new ArrayList<>(data.source().files(Split.TRAIN, hadoop));
        files.addAll(data.source().files(Split.TEST, hadoop));
        Map<String, Object> inputs = Provenance.files(files.stream().distinct().toList(), hadoop);
        String key = key(job, inputs);
        Instant started = Instant.now();
        try (RegistryLock lock = registry.lock(settings.lockLeaseSeconds(), settings.lockWaitSeconds())) {
            for (int v : registry.versions()) {
                if (key.equals(registry.read(v, RunOutput.MANIFEST).get("key"))) {
                    LOG.info("version {} was trained from the same inputs and configuration: nothing to do", v);
                    return new Report(Outcome.UNCHANGED, v, registry.champion(), "version " + v
                            + " was trained from the same inputs and configuration");
                }
            }
            Optional<Integer> champion = registry.champion();
            Optional<SavedModel> incumbent = champion.isPresent()
                    ? Optional.of(SavedModel.load(registry.versionPath(champion.get()).toString(), List.of(), hadoop))
                    : Optional.empty();
            String start = incumbent.isEmpty() ? "from scratch: the registry has no champion"
                    : sameArchitecture(incumbent.get().network(), data)
                    ? "warm start from version " + champion.get()
                    : "from scratch: the job's network differs from champion version " + champion.get() + "'s";
            LOG.info("retrain: {}", start);
            Replay replay = Replay.plan(job, data, incumbent, champion, hadoop);
            if (!replay.note().isEmpty()) {
                LOG.info("retrain: {}", replay.note());
            }
            try (JavaSparkContext sc = TrainingJob.open(TrainingJob.sparkConf(sparkConf, job, "retrain-"), job)) {
                sc.setJobGroup("sparktrain-" + job.name(), "sparktrain retrain " + job.name() + " -> " + registryUri,
                        false);
                ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(sc, data.network(), job.training());
                if (start.startsWith("warm")) {
                    trainer = trainer.startingFrom(incumbent.get().network());
                }
                TrainingResult result = trainer.train(replay.source(), data.trainSize() + replay.examples(),
                        data.testSize());
                // The candidate's figures are the trainer's last evaluation: the same test partitions and code.
                Evaluation candidate = result.test();
                Optional<Evaluation> incumbentScore = incumbent.map(m -> Scoring.evaluate(sc, data.source(),
                        data.testSize(), job.training().workers(), m.network(), job.training().evalBatchSize()));
                Gate gate = Gate.decide(settings, candidate, incumbentScore);

                Map<String, Object> metrics = RunMetrics.of(job, data.network(), result, sc);
                metrics.put("data", RunMetrics.data(data.metrics(), result));
                metrics.put("provenance", Map.of("data", inputs, "versions", Provenance.versions(sc.version())));
                int version = registry.nextVersion();
                Map<String, Object> manifest = new LinkedHashMap<>();
                manifest.put("version", version);
                manifest.put("key", key);
                manifest.put("inputs", inputs);
                manifest.put("versions", Provenance.versions(sc.version()));
                manifest.put("seed", job.training().seed());
                manifest.put("sparkMaster", sc.master());
                manifest.put("executors", result.kernels().stream().map(k -> k.executorId()).distinct().toList());
                manifest.put("started", started.toString());
                manifest.put("ended", Instant.now().toString());
                manifest.put("warmStartedFrom", start.startsWith("warm") ? champion.get() : null);
                manifest.put("start", start);
                manifest.put("replay", replay.toMap());
                manifest.put("gate", gate.toMap());
                RunOutput.prepare(registry.versionPath(version).toString(), hadoop).write(result.network(),
                        ModelDescription.of(data.network()), job.render(), metrics, data.vocabulary(), manifest);

                Map<String, Object> details = new LinkedHashMap<>();
                details.put("reason", gate.reason());
                details.put("start", start);
                details.put("gate", gate.toMap());
                if (gate.passed()) {
                    LOG.info("promoting version {}: {}", version, gate.reason());
                    registry.setChampion(lock, version, "promoted", details);
                    List<Integer> deleted = registry.retain(lock, settings.keep());
                    if (!deleted.isEmpty()) {
                        LOG.info("retention deleted versions {}", deleted);
                    }
                    return new Report(Outcome.PROMOTED, version, Optional.of(version), gate.reason());
                }
                details.put("version", version);
                details.put("event", "rejected");
                details.put("champion", champion.orElse(null));
                registry.record(lock, details);
                LOG.info("version {} kept out by the gate: {}", version, gate.reason());
                return new Report(Outcome.KEPT, version, champion, gate.reason());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("registry " + registryUri + ": " + e.getMessage(), e);
        }
    }

    /**
     * What a cycle trains on: the job's data, plus a seeded sample of the champion's training data when
     * {@code retrain.replay > 0} and that data has the same form.
     *
     * @param source the training source
     * @param examples replayed examples
     * @param inputs the replayed files' provenance
     * @param note why there is no replay, or what is replayed
     */
    record Replay(io.sparktrain.data.ExampleSource source, int examples, Map<String, Object> inputs, String note,
                  Optional<Integer> from) {

        static Replay plan(JobConfig job, JobData data, Optional<SavedModel> incumbent, Optional<Integer> champion,
                           Configuration hadoop) {
            double fraction = job.retrain().replay();
            if (fraction == 0) {
                return new Replay(data.source(), 0, Map.of(), "", Optional.empty());
            }
            if (incumbent.isEmpty()) {
                return none(data, "no replay: the registry has no champion yet");
            }
            JobConfig earlierJob = incumbent.get().job();
            if (job.data().format() == io.sparktrain.config.DataConfig.Format.TEXT
                    || earlierJob.data().format() != job.data().format()) {
                return none(data, "no replay: replay needs image or sequence data of the champion's format ("
                        + earlierJob.data().format() + ")");
            }
            JobData earlier = JobData.prepare(earlierJob, hadoop);
            if (!earlier.network().input().equals(data.network().input())
                    || earlier.network().classes() != data.network().classes()) {
                return none(data, "no replay: the champion's data give input " + earlier.network().input() + " with "
                        + earlier.network().classes() + " classes, the job's " + data.network().input() + " with "
                        + data.network().classes());
            }
            int k = (int) Math.min(Math.round(fraction * data.trainSize()), earlier.trainSize());
            int[] order = java.util.stream.IntStream.range(0, earlier.trainSize()).toArray();
            java.util.Random random = new java.util.Random(job.training().seed());
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int[] picked = Arrays.copyOf(order, k);
            Arrays.sort(picked);
            io.sparktrain.data.ExampleSource earlierSource = earlier.source();
            // Sequences standardised in training are standardised with the new data's statistics, both parts alike.
            if (earlierSource instanceof io.sparktrain.data.CsvSource e
                    && data.source() instanceof io.sparktrain.data.CsvSource now) {
                earlierSource = e.withScaling(now.scaling());
            }
            Map<String, Object> inputs = Provenance.files(earlier.source().files(Split.TRAIN, hadoop), hadoop);
            return new Replay(new io.sparktrain.data.ReplaySource(data.source(), earlierSource, picked), k, inputs,
                    "replaying " + k + " training examples of champion version " + champion.get() + " ("
                            + earlier.source().describe() + ")", champion);
        }

        private static Replay none(JobData data, String note) {
            return new Replay(data.source(), 0, Map.of(), note, Optional.empty());
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("examples", examples);
            m.put("fromVersion", from.orElse(null));
            m.put("note", note);
            m.put("inputs", inputs);
            return m;
        }
    }

    /** The candidate's network has the champion's layers and parameter shapes, so its values can start training. */
    private static boolean sameArchitecture(MultiLayerNetwork champion, JobData data) {
        MultiLayerNetwork fresh = NetworkFactory.network(data.network(), new io.sparktrain.model.UpdaterSpec(
                io.sparktrain.model.UpdaterSpec.Kind.SGD, 0.1, 0), 0);
        if (champion.getnLayers() != fresh.getnLayers()) {
            return false;
        }
        for (int i = 0; i < fresh.getnLayers(); i++) {
            Layer a = champion.getLayer(i);
            Layer b = fresh.getLayer(i);
            if (a.getClass() != b.getClass() || !shapes(a).equals(shapes(b))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> shapes(Layer layer) {
        Map<String, String> shapes = new TreeMap<>();
        layer.paramTable().forEach((k, v) -> shapes.put(k, Arrays.toString(v.shape())));
        return shapes;
    }

    /** SHA-256 over the configuration and the content of every input file (not their names or times). */
    private static String key(JobConfig job, Map<String, Object> inputs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(job.effective().root().render(ConfigRenderOptions.concise()).getBytes(StandardCharsets.UTF_8));
            for (Object file : inputs.values()) {
                sha.update(String.valueOf(((Map<?, ?>) file).get("sha256")).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The quality gate's decision.
     *
     * @param passed whether the candidate may replace the champion
     * @param reason one line with the figures
     * @param candidate the candidate's holdout accuracy and loss
     * @param champion the champion's, when there is one
     */
    record Gate(boolean passed, String reason, Evaluation candidate, Optional<Evaluation> champion) {

        static Gate decide(RetrainConfig s, Evaluation candidate, Optional<Evaluation> champion) {
            String figures = String.format("candidate accuracy %.4f, loss %.4f", candidate.accuracy(),
                    candidate.meanLoss()) + champion.map(c -> String.format("; champion accuracy %.4f, loss %.4f",
                    c.accuracy(), c.meanLoss())).orElse("");
            if (!Double.isFinite(candidate.meanLoss())) {
                return new Gate(false, "the candidate's holdout loss is not finite; " + figures, candidate, champion);
            }
            if (candidate.accuracy() < s.minAccuracy()) {
                return new Gate(false, String.format("accuracy below the floor retrain.gate.minAccuracy = %.4f; ",
                        s.minAccuracy()) + figures, candidate, champion);
            }
            if (champion.isPresent()) {
                Evaluation c = champion.get();
                if (candidate.accuracy() < c.accuracy() - s.accuracyMargin()) {
                    return new Gate(false, String.format("accuracy more than retrain.gate.accuracyMargin = %.4f "
                            + "below the champion's; ", s.accuracyMargin()) + figures, candidate, champion);
                }
                if (candidate.meanLoss() > c.meanLoss() + s.lossMargin()) {
                    return new Gate(false, String.format("loss more than retrain.gate.lossMargin = %.4f above the "
                            + "champion's; ", s.lossMargin()) + figures, candidate, champion);
                }
                return new Gate(true, "passed the gate; " + figures, candidate, champion);
            }
            return new Gate(true, "first version; " + figures, candidate, champion);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("passed", passed);
            m.put("candidate", Map.of("accuracy", candidate.accuracy(), "loss", candidate.meanLoss()));
            champion.ifPresent(c -> m.put("champion", Map.of("accuracy", c.accuracy(), "loss", c.meanLoss())));
            return m;
        }
    }
}
