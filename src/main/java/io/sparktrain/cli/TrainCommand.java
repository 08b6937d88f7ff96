package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.Split;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.Provenance;
import io.sparktrain.training.RunOutput;
import io.sparktrain.training.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code train CONF [--set key=value ...] [--out DIR]}: trains a job and writes its run folder. */
public final class TrainCommand {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    /** The usage line. */
    public static final String USAGE = "train CONF [--set key=value ...] [--out DIR]";

    /**
     * Parsed arguments.
     *
     * @param configFile the job file
     * @param overrides {@code key=value} overrides
     * @param out the output folder, or null for {@code runs/<timestamp>-<name>}
     */
    public record Args(String configFile, List<String> overrides, String out) {
        /** Parses the words after {@code train}. */
        public static Args parse(List<String> words) {
            String config = null;
            String out = null;
            List<String> sets = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals("--set") || w.equals("--out")) {
                    if (i + 1 >= words.size()) {
                        throw new ConfigException(w + " needs a value; usage: " + USAGE);
                    }
                    String value = words.get(++i);
                    if (w.equals("--set")) {
                        sets.add(value);
                    } else {
                        out = value;
                    }
                } else if (w.startsWith("-")) {
                    throw new ConfigException("unknown option " + w + "; usage: " + USAGE);
                } else if (config == null) {
                    config = w;
                } else {
                    throw new ConfigException("unexpected argument " + w + "; usage: " + USAGE);
                }
            }
            if (config == null) {
                throw new ConfigException("no config file given; usage: " + USAGE);
            }
            return new Args(config, List.copyOf(sets), out);
        }
    }

    /**
     * What a finished run reports.
     *
     * @param out where the run folder is
     * @param result the training outcome
     */
    public record Report(String out, TrainingResult result) {
    }

    private TrainCommand() {
    }

    /**
     * Validates the job, data and output folder, then trains on Spark and writes the run folder.
     *
     * @param args the parsed arguments
     * @param sparkConf Spark settings; its master is used when set (spark-submit sets it), else {@code spark.master}
     */
    public static Report run(Args args, SparkConf sparkConf) {
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        JobConfig job = JobConfigLoader.load(args.configFile(), args.overrides(), hadoop);
        String out = args.out() != null ? args.out()
                : "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + job.name();
        RunOutput output = RunOutput.prepare(out, hadoop);

        // Read and validate the data on the driver before any Spark job: a bad file fails here, once. A relative
        // data.dir is resolved here, against the driver's working directory, not each executor's.
        String dataDir = qualify(job.data().dir(), hadoop);
        MnistSource source = new MnistSource(dataDir, job.data().trainLimit(), job.data().testLimit());
        ExampleSet train = source.load(Split.TRAIN, hadoop);
        ExampleSet test = source.load(Split.TEST, hadoop);
        checkInput(job, train);
        if (train.size() < job.training().workers()) {
            throw new ConfigException("training.workers (" + job.training().workers() + ") exceeds the "
                    + train.size() + " training examples");
        }
        LOG.info("{}", job.network().summary());
        LOG.info("data: {} training and {} test examples from {}", train.size(), test.size(), source.describe());

        if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster(job.sparkMaster());
        }
        sparkConf.setAppName("sparktrain-" + job.name());
        sparkConf.setIfMissing("spark.ui.showConsoleProgress", "false");
        TrainingResult result;
        Map<String, Object> metrics;
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            result = new ParameterAveragingTrainer(sc, job.network(), job.training())
                    .train(source, train.size(), test.size());
            metrics = metrics(job, result, sc);
            List<String> files = new ArrayList<>(MnistData.files(dataDir, Split.TRAIN, hadoop));
            files.addAll(MnistData.files(dataDir, Split.TEST, hadoop));
            metrics.put("provenance", Map.of("data", Provenance.files(files, hadoop),
                    "versions", Provenance.versions(sc.version())));
        }
        try {
            output.write(result.network(), job.render(), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + output.target() + ": " + e.getMessage(), e);
        }
        return new Report(output.target().toString(), result);
    }

    private static String qualify(String uri, org.apache.hadoop.conf.Configuration hadoop) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
        try {
            return path.getFileSystem(hadoop).makeQualified(path).toString();
        } catch (IOException e) {
            throw new ConfigException("data.dir " + uri + ": " + e.getMessage());
        }
    }

    private static void checkInput(JobConfig job, ExampleSet train) {
        int[] shape = train.exampleShape();
        var input = job.network().input();
        if (shape[0] != input.channels() || shape[1] != input.height() || shape[2] != input.width()) {
            throw new ConfigException("model.input is " + input + " but " + job.data().dir() + " holds examples of "
                    + java.util.Arrays.toString(shape));
        }
    }

    /** The metrics.json document. */
    static Map<String, Object> metrics(JobConfig job, TrainingResult r, JavaSparkContext sc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", job.name());
        m.put("network", job.network().name());
        m.put("workers", job.training().workers());
        m.put("batchSizePerWorker", job.training().batchSizePerWorker());
        m.put("averagingFrequency", job.training().averagingFrequency());
        m.put("updater", job.training().updater());
        m.put("seed", job.training().seed());
        m.put("spark", Map.of("master", sc.master(), "applicationId", sc.sc().applicationId(),
                "version", sc.version()));
        m.put("test", Map.of("accuracy", r.test().accuracy(), "loss", r.test().meanLoss(),
                "examples", r.test().examples()));
        m.put("throughput", Map.of("examplesPerSecond", r.examplesPerSecond(), "trainExamples", r.trainExamples(),
                "trainSeconds", r.trainSeconds()));
        m.put("epochs", r.epochs());
        m.put("rounds", r.rounds());
        return m;
    }
}
