package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.CsvSequences;
import io.sparktrain.data.CsvSource;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.FeatureScaling;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.MnistParquet;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.ParquetExamples;
import io.sparktrain.data.ParquetSource;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.data.Split;
import io.sparktrain.data.TextCorpus;
import io.sparktrain.data.TextSource;
import io.sparktrain.data.Vocabulary;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition-local reads, measured: each executor loading its shard reads about {@code 1/workers} of the training
 * data's bytes (Hadoop's per-thread file-system statistics around the load, as the trainer reports them), for
 * uncompressed IDX, for Parquet (make-parquet's layout), for a text (byte ranges between the driver's character
 * checkpoints) and for a single CSV file written sequence by sequence (each sequence's byte span), with 2 and 4
 * workers, on the real local file system in
 * real Spark local mode. Before partition-local reads each shard read the whole split: the same figures would be
 * {@code workers} times larger.
 */
class PartitionLocalReadTest {
    private static final int TRAIN = 2400;
    private static final NetworkSpec SPEC = new NetworkSpec("read-mlp", Shape.map(1, 28, 28), List.of(
            new LayerSpec.Dense(4, Activation.TANH, 0), new LayerSpec.Output()), MnistData.CLASSES);

    @TempDir
    static Path tmp;
    private static JavaSparkContext sc;
    private static Path idx;
    private static Path parquet;

    @BeforeAll
    static void start() throws IOException {
        idx = tmp.resolve("idx");
        TestData.writeIdx(idx, Split.TRAIN, TestData.images(TRAIN, MnistData.CLASSES, 28, 5));
        TestData.writeIdx(idx, Split.TEST, TestData.images(40, MnistData.CLASSES, 28, 6));
        parquet = tmp.resolve("parquet");
        MnistParquet.write(idx.toString(), parquet.toString(), new Configuration());
        sc = SparkTestContext.local2();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** Trains one short epoch on {@code source}; returns the bytes each shard's load read. */
    private static List<Long> bytesPerShard(ExampleSource source, int workers) {
        return bytesPerShard(source, SPEC, workers);
    }

    /** Trains one short epoch of {@code spec} on {@code source}; returns the bytes each shard's load read. */
    private static List<Long> bytesPerShard(ExampleSource source, NetworkSpec spec, int workers) {
        TrainingConfig config = new TrainingConfig(1, workers, 100, 1000,
                new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0), 7, 100);
        Configuration hadoop = new Configuration();
        TrainingResult result = new ParameterAveragingTrainer(sc, spec, config).train(source,
                source.count(Split.TRAIN, hadoop), source.count(Split.TEST, hadoop));
        assertEquals(workers, result.bytesReadPerShard().size(), "one figure per shard");
        return result.bytesReadPerShard();
    }

    /** Each shard's bytes are within 10% of the data's size of {@code total / workers}. */
    private static void assertNearOneShare(List<Long> bytes, long total, int workers, String what) {
        for (int s = 0; s < bytes.size(); s++) {
            double share = (double) total / workers;
            assertTrue(Math.abs(bytes.get(s) - share) <= 0.10 * total, what + ", " + workers + " workers: shard " + s
                    + " read " + bytes.get(s) + " bytes, 1/" + workers + " of the " + total + " bytes is " + share
                    + " (all shards: " + bytes + ")");
        }
    }

    private static long size(Path dirOrFile, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(dirOrFile)) {
            return files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().startsWith(prefix))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void eachIdxShardReadsAboutOneShareOfTheFiles() throws IOException {
        long total = size(idx, "train-");
        for (int workers : new int[] {2, 4}) {
            List<Long> bytes = bytesPerShard(new MnistSource(idx.toUri().toString(), 0, 0), workers);
            assertNearOneShare(bytes, total, workers, "IDX");
        }
    }

    @Test
    void eachParquetShardReadsAboutOneShareOfTheRowGroups() throws IOException {
        long total = size(parquet.resolve("train"), "part-");
        ParquetSource source = new ParquetSource(parquet.toUri().toString(), new ParquetExamples.Columns("features",
                "label", 28 * 28, MnistData.CLASSES), List.of(1, 28, 28), 0, 0);
        for (int workers : new int[] {2, 4}) {
            List<Long> bytes = bytesPerShard(source, workers);
            assertNearOneShare(bytes, total, workers, "Parquet");
        }
    }

    /**
     * A text of about 600,000 characters, some of 2 and 3 bytes, in windows of 40 without overlap: a shard's windows
     * are its share of the training text's bytes, plus at most one checkpoint interval (16 characters here) at each
     * end of each range (and the local file system's 4 KiB read buffer).
     */
    @Test
    void eachTextShardReadsAboutOneShareOfTheTrainingText() throws IOException {
        StringBuilder text = new StringBuilder();
        java.util.Random random = new java.util.Random(3);
        String letters = "abcdefghij klmnopé漢\n";
        while (text.length() < 600_000) {
            text.append(letters.charAt(random.nextInt(letters.length())));
        }
        Path file = tmp.resolve("corpus.txt");
        Files.writeString(file, text);
        String uri = file.toUri().toString();
        TextCorpus.Indexed read = TextCorpus.readIndexed(uri, new Configuration(), 16);
        Vocabulary vocabulary = Vocabulary.of(read.text());
        TextSource source = new TextSource(uri, vocabulary, 40, 40, 0.05, read.index());
        int cut = TextCorpus.cut(read.index().characters(), 0.05);
        long trainBytes = text.substring(0, text.offsetByCodePoints(0, cut)).getBytes(StandardCharsets.UTF_8).length;
        NetworkSpec spec = new NetworkSpec("read-text", Shape.sequence(vocabulary.size()), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 4, Activation.TANH, LayerSpec.Direction.FORWARD),
                new LayerSpec.Output()), vocabulary.size(), OutputMode.SEQUENCE);
        for (int workers : new int[] {2, 4}) {
            assertNearOneShare(bytesPerShard(source, spec, workers), trainBytes, workers, "text");
        }
    }

    private static final int FEATURES = 30;
    private static final String HEADER = "id,step," + "f,".repeat(FEATURES) + "label\n";

    /**
     * A single CSV file written sequence by sequence: each shard reads its sequences' lines (give or take the local
     * file system's 4 KiB read buffer at each range's ends, hence sequences of a few KiB).
     */
    @Test
    void eachSingleCsvShardReadsAboutOneShareOfTheFile() throws IOException {
        Path dir = tmp.resolve("csv");
        Files.createDirectories(dir);
        for (String name : new String[] {"train", "test"}) {
            StringBuilder csv = new StringBuilder(HEADER);
            for (int i = 0; i < (name.equals("train") ? 1200 : 40); i++) {
                for (int step = 0; step < 40 + i % 20; step++) {
                    csv.append("s").append(i).append(',').append(step);
                    for (int f = 0; f < FEATURES; f++) {
                        csv.append(',').append((i * 31 + step * 7 + f) % 100 / 10.0);
                    }
                    csv.append(',').append(i % 3).append('\n');
                }
            }
            Files.writeString(dir.resolve(name + ".csv"), csv);
        }
        CsvSource source = new CsvSource(dir.toUri().toString(), new CsvSequences.Format(CsvSequences.Layout.SINGLE,
                true, FEATURES, 3, SequenceSet.Labels.PER_SEQUENCE, 60), 0, 0, FeatureScaling.NONE);
        Configuration hadoop = new Configuration();
        source = source.withSpans(source.loadLocated(Split.TRAIN, hadoop).spans(),
                source.loadLocated(Split.TEST, hadoop).spans());
        assertTrue(source.trainSpans().known(), "written sequence by sequence, the file is located");
        long total = Files.size(dir.resolve("train.csv")) - HEADER.length();
        NetworkSpec spec = new NetworkSpec("read-csv", Shape.sequence(FEATURES), List.of(
                new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 4, Activation.TANH, LayerSpec.Direction.FORWARD),
                new LayerSpec.Output()), 3, OutputMode.LAST);
        for (int workers : new int[] {2, 4}) {
            assertNearOneShare(bytesPerShard(source, spec, workers), total, workers, "single CSV");
        }
    }
}
