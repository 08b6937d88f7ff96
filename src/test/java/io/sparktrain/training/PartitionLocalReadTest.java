package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.MnistParquet;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.ParquetExamples;
import io.sparktrain.data.ParquetSource;
import io.sparktrain.data.Split;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.io.IOException;
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
 * uncompressed IDX and for Parquet (make-parquet's layout), with 2 and 4 workers, on the real local file system in
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
        TrainingConfig config = new TrainingConfig(1, workers, 100, 1000,
                new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0), 7, 100);
        TrainingResult result = new ParameterAveragingTrainer(sc, SPEC, config).train(source, TRAIN, 40);
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
}
