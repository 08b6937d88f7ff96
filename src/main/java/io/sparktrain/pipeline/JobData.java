package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.DataConfig;
import io.sparktrain.config.JobConfig;
import io.sparktrain.data.CsvSequences;
import io.sparktrain.data.CsvSource;
import io.sparktrain.data.DataAccess;
import io.sparktrain.data.DataFormatException;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.Examples;
import io.sparktrain.data.FeatureScaling;
import io.sparktrain.data.IndexRanges;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.ParquetExamples;
import io.sparktrain.data.ParquetSource;
import io.sparktrain.data.SeqMnistSource;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.data.Split;
import io.sparktrain.data.TextCorpus;
import io.sparktrain.data.TextIndex;
import io.sparktrain.data.TextSource;
import io.sparktrain.data.Vocabulary;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A job's data as the driver checked it, before any Spark job: the source executors load their shards from, the
 * size of both splits, and the network sized for them. The data-format switch lives here.
 *
 * <p>The driver reads only what it needs to validate and to size the network: IDX headers and label files
 * (MNIST, sequential MNIST), Parquet footers (schemas and row counts). CSV sequences are read whole, because the
 * features per step, the longest sequence and the standardisation statistics come from all of them; text is read
 * whole, because its vocabulary and its train/test cut come from all of it. Reading them, the driver notes where
 * each sequence of a single CSV file and every few thousandth character of a text are, so that executors read only
 * their shards' bytes.
 *
 * @param source what executors load their shards from
 * @param trainSize the number of training examples
 * @param testSize the number of test examples
 * @param network the job's network, sized for the data
 * @param metrics what metrics.json records about the data
 * @param vocabulary a text job's characters
 */
public record JobData(ExampleSource source, int trainSize, int testSize, NetworkSpec network,
                      Map<String, Object> metrics, Optional<Vocabulary> vocabulary) {

    /** Reads the whole training split (a single-process use such as {@code bench}; training reads shards). */
    public Examples loadTrain(Configuration hadoop) {
        return source.load(Split.TRAIN, IndexRanges.of(0, trainSize), hadoop);
    }

    /** Reads test examples {@code [from, to)}. */
    public Examples loadTest(int from, int to, Configuration hadoop) {
        return source.load(Split.TEST, IndexRanges.of(from, to), hadoop);
    }

    /**
     * Builds the job's data source, checks both splits and sizes the network to them.
     *
     * @throws ConfigException when the data contradict the model settings
     * @throws io.sparktrain.data.DataFormatException when a file is missing or malformed
     */
    public static JobData prepare(JobConfig job, Configuration hadoop) {
        return prepare(job, Optional.empty(), hadoop);
    }

    /**
     * As {@link #prepare(JobConfig, Configuration)}, with a text job's vocabulary fixed in advance (a saved model's)
     * instead of built from the text.
     */
    public static JobData prepare(JobConfig job, Optional<Vocabulary> fixedVocabulary, Configuration hadoop) {
        int seconds = DataConfig.timeoutSeconds(job.effective());
        try {
            return read(job, fixedVocabulary, DataAccess.bounded(hadoop, seconds));
        } catch (DataFormatException e) {
            throw DataAccess.asUnreachable(e, seconds).orElse(e);
        }
    }

    private static JobData read(JobConfig job, Optional<Vocabulary> fixedVocabulary, Configuration hadoop) {
        DataConfig d = job.data();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("format", d.format().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        // A relative path is resolved here, against the driver's working directory, not each executor's.
        switch (d.format()) {
            case MNIST -> {
                MnistSource source = new MnistSource(qualify("data.dir", d.dir(), hadoop), d.trainLimit(),
                        d.testLimit());
                MnistData.requireSameImageSize(source.dir(), hadoop);
                // Headers and label files only: {examples, channels, height, width}.
                int[] train = MnistData.check(source.dir(), Split.TRAIN, d.trainLimit(), hadoop);
                int[] test = MnistData.check(source.dir(), Split.TEST, d.testLimit(), hadoop);
                NetworkSpec network = job.model().resolve(0, MnistData.CLASSES);
                Shape data = Shape.map(train[1], train[2], train[3]);
                if (!data.equals(network.input())) {
                    throw new ConfigException("model.input is " + network.input() + " but " + d.dir()
                            + " holds examples of " + Arrays.toString(Arrays.copyOfRange(train, 1, 4)));
                }
                return new JobData(source, train[0], test[0], network, metrics, Optional.empty());
            }
            case SEQ_MNIST -> {
                SeqMnistSource source = new SeqMnistSource(qualify("data.dir", d.dir(), hadoop), d.trainLimit(),
                        d.testLimit(), d.pixelByPixel());
                MnistData.requireSameImageSize(source.dir(), hadoop);
                int[] train = MnistData.check(source.dir(), Split.TRAIN, d.trainLimit(), hadoop);
                int[] test = MnistData.check(source.dir(), Split.TEST, d.testLimit(), hadoop);
                int features = d.pixelByPixel() ? 1 : train[3];
                int steps = d.pixelByPixel() ? train[2] * train[3] : train[2];
                return sequences(source, new Sequences(train[0], features, steps, MnistData.CLASSES),
                        new Sequences(test[0], features, steps, MnistData.CLASSES), job, metrics);
            }
            case CSV -> {
                int classes = job.model().classes().orElseThrow();
                CsvSequences.Format format = new CsvSequences.Format(d.csvLayout(), d.csvHeader(),
                        job.model().features().orElse(0), classes,
                        job.model().output() == OutputMode.SEQUENCE ? SequenceSet.Labels.PER_STEP
                                : SequenceSet.Labels.PER_SEQUENCE, d.maxSequenceLength());
                CsvSource source = new CsvSource(qualify("data.dir", d.dir(), hadoop), format, d.trainLimit(),
                        d.testLimit(), FeatureScaling.NONE);
                CsvSequences.Located trainRead = source.loadLocated(Split.TRAIN, hadoop);
                SequenceSet train = trainRead.sequences();
                // The test split (and every executor's shard) must have the training split's columns: fixing the
                // count makes a file with another one an error naming it, before any scaling or training.
                source = new CsvSource(source.dir(), new CsvSequences.Format(format.layout(), format.header(),
                        train.features(), format.classes(), format.labels(), format.maxLength()), d.trainLimit(),
                        d.testLimit(), FeatureScaling.NONE);
                CsvSequences.Located testRead = source.loadLocated(Split.TEST, hadoop);
                // Where each sequence of a single file is, so that executors read only their shards' lines.
                source = source.withSpans(trainRead.spans(), testRead.spans());
                SequenceSet test = testRead.sequences();
                if (d.standardize()) {
                    FeatureScaling scaling = FeatureScaling.of(train);
                    source = source.withScaling(scaling);
                    train = scaling.apply(train);
                    test = scaling.apply(test);
                    metrics.put("standardization", Map.of("mean", scaling.mean(), "std", scaling.std()));
                }
                return sequences(source, Sequences.of(train), Sequences.of(test), job, metrics);
            }
            case TEXT -> {
                String file = qualify("data.text.file", d.textFile(), hadoop);
                TextCorpus.Indexed read = TextCorpus.readIndexed(file, hadoop, TextIndex.EVERY);
                String text = read.text();
                Vocabulary vocabulary = fixedVocabulary.orElseGet(() -> Vocabulary.of(text));
                if (vocabulary.size() < 2) {
                    throw new DataFormatException(file, "only one distinct character (" + describe(vocabulary)
                            + "); a text model predicts the next character and needs at least two");
                }
                TextSource source = new TextSource(file, vocabulary, d.window(), d.stride(), d.testFraction(),
                        read.index());
                int[] trainCodes = TextCorpus.encode(text, vocabulary, Split.TRAIN, d.testFraction());
                metrics.put("characters", text.codePointCount(0, text.length()));
                metrics.put("vocabulary", vocabulary.size());
                metrics.put("unigramEntropy", TextCorpus.unigramEntropy(trainCodes, vocabulary.size()));
                SequenceSet train = source.examples(text, Split.TRAIN);
                SequenceSet test = source.examples(text, Split.TEST);
                if (test.size() == 0) {
                    throw new ConfigException("data.text.testFraction (" + d.testFraction() + ") leaves no test text");
                }
                return new JobData(source, train.size(), test.size(),
                        job.model().resolve(vocabulary.size(), vocabulary.size()), metrics, Optional.of(vocabulary));
            }
            case PARQUET -> {
                return parquet(job, hadoop, metrics);
            }
            default -> throw new IllegalStateException(d.format().toString());
        }
    }

    private static JobData parquet(JobConfig job, Configuration hadoop, Map<String, Object> metrics) {
        DataConfig d = job.data();
        DataConfig.Parquet p = d.parquet();
        int classes = job.model().classes().orElseThrow();
        int length = p.shape().stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
        ParquetSource source = new ParquetSource(qualify("data.parquet.path", p.path(), hadoop),
                new ParquetExamples.Columns(p.features(), p.label(), length, classes), p.shape(), d.trainLimit(),
                d.testLimit());
        // Footers first: a missing column or a wrong type fails here, naming the file, before any row is read.
        long[] rows = source.checkSchemas(hadoop);
        for (Split split : Split.values()) {
            if (rows[split.ordinal()] == 0) {
                throw new DataFormatException(source.location(split), "holds no rows");
            }
        }
        metrics.put("shape", p.shape());
        // Counts from the footers: no row is read here; a bad value is found, and named, by the executor reading it.
        int trainRows = (int) Math.min(d.trainLimit() > 0 ? d.trainLimit() : Integer.MAX_VALUE - 8, rows[0]);
        int testRows = (int) Math.min(d.testLimit() > 0 ? d.testLimit() : Integer.MAX_VALUE - 8, rows[1]);
        if (p.sequences()) {
            return sequences(source, new Sequences(trainRows, p.shape().get(1), p.shape().get(0), classes),
                    new Sequences(testRows, p.shape().get(1), p.shape().get(0), classes), job, metrics);
        }
        NetworkSpec network = job.model().resolve(0, classes);
        Shape data = p.shape().size() == 3 ? Shape.map(p.shape().get(0), p.shape().get(1), p.shape().get(2))
                : Shape.map(p.shape().get(0), 1, 1);
        if (!data.equals(network.input())) {
            throw new ConfigException("model.input is " + network.input() + " but data.parquet.shape = " + p.shape()
                    + (p.shape().size() == 1 ? " (a flat row of n values needs model.input = {channels = n, "
                    + "height = 1, width = 1})" : ""));
        }
        return new JobData(source, trainRows, testRows, network, metrics, Optional.empty());
    }

    /** What sizing a sequence model takes from a split: its size, features per step, longest sequence, classes. */
    private record Sequences(int size, int features, int maxLength, int classes) {
        static Sequences of(SequenceSet set) {
            return new Sequences(set.size(), set.features(), set.maxLength(), set.numClasses());
        }
    }

    private static JobData sequences(ExampleSource source, Sequences train, Sequences test, JobConfig job,
                                     Map<String, Object> metrics) {
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
        return new JobData(source, train.size(), test.size(), job.model().resolve(train.features(),
                train.classes()), metrics, Optional.empty());
    }

    private static String describe(Vocabulary vocabulary) {
        int cp = vocabulary.characters().codePointAt(0);
        return Character.isISOControl(cp) || Character.isWhitespace(cp) ? String.format("U+%04X", cp)
                : "\"" + vocabulary.character(0) + "\"";
    }

    /** {@code uri} made absolute on its file system, so executors read what the driver meant. */
    static String qualify(String key, String uri, Configuration hadoop) {
        Path path;
        try {
            path = new Path(uri);
        } catch (IllegalArgumentException e) { // Hadoop wraps a URISyntaxException
            throw ConfigException.invalid(key, "be a path or URI", "\"" + uri + "\" ("
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()) + ")");
        }
        try {
            return path.getFileSystem(hadoop).makeQualified(path).toString();
        } catch (IOException e) {
            throw new ConfigException(key + " " + uri + ": " + e.getMessage());
        }
    }
}
