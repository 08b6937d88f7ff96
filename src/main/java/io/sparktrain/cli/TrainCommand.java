package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.config.DataConfig;
import io.sparktrain.data.CsvSequences;
import io.sparktrain.data.CsvSource;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.Examples;
import io.sparktrain.data.FeatureScaling;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.SeqMnistSource;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.data.Split;
import io.sparktrain.data.TextCorpus;
import io.sparktrain.data.TextSource;
import io.sparktrain.data.Vocabulary;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.Provenance;
import io.sparktrain.training.RunOutput;
import io.sparktrain.training.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
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
            CommandLine line = CommandLine.parse(words, USAGE, "config file", java.util.Set.of("--set", "--out"));
            return new Args(line.argument(), List.copyOf(line.all("--set")), line.option("--out", null));
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

        // Read and validate the data on the driver before any Spark job: a bad file fails here, once.
        Data data = prepare(job, hadoop);
        NetworkSpec network = data.network();
        if (data.train().size() < job.training().workers()) {
            throw new ConfigException("training.workers (" + job.training().workers() + ") exceeds the "
                    + data.train().size() + " training examples");
        }
        LOG.info("{}", network.summary());
        LOG.info("data: {} training and {} test examples from {}", data.train().size(), data.test().size(),
                data.source().describe());

        if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster(job.sparkMaster());
        }
        sparkConf.setAppName("sparktrain-" + job.name());
        sparkConf.setIfMissing("spark.ui.showConsoleProgress", "false");
        TrainingResult result;
        Map<String, Object> metrics;
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            result = new ParameterAveragingTrainer(sc, network, job.training())
                    .train(data.source(), data.train().size(), data.test().size());
            metrics = metrics(job, network, result, sc);
            metrics.put("data", data.metrics());
            List<String> files = new ArrayList<>(data.source().files(Split.TRAIN, hadoop));
            files.addAll(data.source().files(Split.TEST, hadoop));
            metrics.put("provenance", Map.of("data", Provenance.files(files.stream().distinct().toList(), hadoop),
                    "versions", Provenance.versions(sc.version())));
        }
        try {
            output.write(result.network(), job.render(), metrics, data.extraFiles());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + output.target() + ": " + e.getMessage(), e);
        }
        return new Report(output.target().toString(), result);
    }

    private static String qualify(String key, String uri, org.apache.hadoop.conf.Configuration hadoop) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
        try {
            return path.getFileSystem(hadoop).makeQualified(path).toString();
        } catch (IOException e) {
            throw new ConfigException(key + " " + uri + ": " + e.getMessage());
        }
    }

    /**
     * The data of a job as the driver validated it.
     *
     * @param source what executors load their shards from
     * @param train the training split
     * @param test the test split
     * @param network the job's network, sized for the data
     * @param metrics what metrics.json records about the data
     * @param extraFiles files the run folder carries besides the model (the vocabulary of a text model)
     */
    record Data(ExampleSource source, Examples train, Examples test, NetworkSpec network, Map<String, Object> metrics,
                Map<String, String> extraFiles) {
    }

    /** Builds the job's data source, reads both splits and sizes the network to them. */
    static Data prepare(JobConfig job, org.apache.hadoop.conf.Configuration hadoop) {
        DataConfig d = job.data();
        NetworkSpec network = job.network();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("format", d.format().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        Map<String, String> extra = new LinkedHashMap<>();
        // A relative path is resolved here, against the driver's working directory, not each executor's.
        switch (d.format()) {
            case MNIST -> {
                MnistSource source = new MnistSource(qualify("data.dir", d.dir(), hadoop), d.trainLimit(),
                        d.testLimit());
                ExampleSet train = source.load(Split.TRAIN, hadoop);
                int[] shape = train.exampleShape();
                var input = network.input();
                if (shape[0] != input.channels() || shape[1] != input.height() || shape[2] != input.width()) {
                    throw new ConfigException("model.input is " + input + " but " + d.dir() + " holds examples of "
                            + Arrays.toString(shape));
                }
                return new Data(source, train, source.load(Split.TEST, hadoop), network, metrics, extra);
            }
            case SEQ_MNIST -> {
                SeqMnistSource source = new SeqMnistSource(qualify("data.dir", d.dir(), hadoop), d.trainLimit(),
                        d.testLimit(), d.pixelByPixel());
                SequenceSet train = source.load(Split.TRAIN, hadoop);
                return sequences(source, train, source.load(Split.TEST, hadoop), job, metrics, extra);
            }
            case CSV -> {
                CsvSequences.Format format = new CsvSequences.Format(d.csvLayout(), d.csvHeader(),
                        job.effective().getInt("model.input.features"), network.classes(),
                        network.output() == OutputMode.SEQUENCE ? SequenceSet.Labels.PER_STEP
                                : SequenceSet.Labels.PER_SEQUENCE, d.maxSequenceLength());
                CsvSource source = new CsvSource(qualify("data.dir", d.dir(), hadoop), format, d.trainLimit(),
                        d.testLimit(), FeatureScaling.NONE);
                SequenceSet train = source.load(Split.TRAIN, hadoop);
                if (d.standardize()) {
                    FeatureScaling scaling = FeatureScaling.of(train);
                    source = source.withScaling(scaling);
                    train = scaling.apply(train);
                    metrics.put("standardization", Map.of("mean", scaling.mean(), "std", scaling.std()));
                }
                return sequences(source, train, source.load(Split.TEST, hadoop), job, metrics, extra);
            }
            case TEXT -> {
                String file = qualify("data.text.file", d.textFile(), hadoop);
                String text = TextCorpus.read(file, hadoop);
                Vocabulary vocabulary = Vocabulary.of(text);
                TextSource source = new TextSource(file, vocabulary, d.window(), d.stride(), d.testFraction());
                int[] trainCodes = TextCorpus.encode(text, vocabulary, Split.TRAIN, d.testFraction());
                metrics.put("characters", text.codePointCount(0, text.length()));
                metrics.put("vocabulary", vocabulary.size());
                metrics.put("unigramEntropy", TextCorpus.unigramEntropy(trainCodes, vocabulary.size()));
                extra.put(VOCABULARY, vocabularyJson(vocabulary));
                SequenceSet train = source.examples(text, Split.TRAIN);
                SequenceSet test = source.examples(text, Split.TEST);
                if (test.size() == 0) {
                    throw new ConfigException("data.text.testFraction (" + d.testFraction() + ") leaves no test text");
                }
                return new Data(source, train, test, network.resized(vocabulary.size(), vocabulary.size()), metrics,
                        extra);
            }
            default -> throw new IllegalStateException(d.format().toString());
        }
    }

    /** The run folder's file holding a text model's characters. */
    public static final String VOCABULARY = "vocabulary.json";

    private static String vocabularyJson(Vocabulary vocabulary) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                    Map.of("characters", vocabulary.characters()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Data sequences(ExampleSource source, SequenceSet train, SequenceSet test, JobConfig job,
                                  Map<String, Object> metrics, Map<String, String> extra) {
        int configured = job.effective().getInt("model.input.features");
        if (configured > 0 && configured != train.features()) {
            throw new ConfigException("model.input.features is " + configured + " but the data have "
                    + train.features() + " features per step");
        }
        if (test.features() != train.features()) {
            throw new ConfigException("the test split has " + test.features() + " features per step, the training "
                    + "split " + train.features());
        }
        int longest = Math.max(train.maxLength(), test.maxLength());
        if (longest > job.data().maxSequenceLength()) {
            throw new ConfigException("sequences of up to " + longest + " steps exceed data.maxSequenceLength = "
                    + job.data().maxSequenceLength());
        }
        metrics.put("featuresPerStep", train.features());
        metrics.put("longestSequence", longest);
        return new Data(source, train, test, job.network().resized(train.features(), job.network().classes()),
                metrics, extra);
    }

    /** The metrics.json document. */
    static Map<String, Object> metrics(JobConfig job, NetworkSpec network, TrainingResult r, JavaSparkContext sc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", job.name());
        m.put("network", network.name());
        m.put("output", network.output().name().toLowerCase(java.util.Locale.ROOT));
        m.put("workers", job.training().workers());
        m.put("batchSizePerWorker", job.training().batchSizePerWorker());
        m.put("averagingFrequency", job.training().averagingFrequency());
        m.put("updater", job.training().updater());
        m.put("seed", job.training().seed());
        m.put("spark", Map.of("master", sc.master(), "applicationId", sc.sc().applicationId(),
                "version", sc.version()));
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("accuracy", r.test().accuracy());
        test.put("loss", r.test().meanLoss());
        // Examples, or scored time steps for a network with one class per step.
        test.put("examples", r.test().examples());
        if (job.data().format() == DataConfig.Format.TEXT) {
            test.put("perplexity", r.test().perplexity());
        }
        m.put("test", test);
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
}
