package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.ConfigException;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * A shard that does not fit in its executor's storage memory would be read again every round (Spark only warns);
 * the trainer stops before the first round, saying what to change.
 */
class ShardCacheTest {
    private static final NetworkSpec SPEC = new NetworkSpec("dense", Shape.map(1, 8, 8), List.of(
            new LayerSpec.Dense(16, Activation.RELU, 0), new LayerSpec.Output()), 10);
    private static final TrainingConfig CONFIG = new TrainingConfig(1, 2, 16, 2,
            new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0), 5, 16);

    /** 20,000 8x8 images: 2.5 MB of pixels per shard. */
    private static final ExampleSet TRAIN = TestData.images(20_000, 10, 8, 1);
    private static final ExampleSet TEST = TestData.images(16, 10, 8, 2);

    private static TrainingResult train(String storageFraction) {
        // Spark's smallest memory (450 MiB, of which 300 reserved), and this fraction of the rest for caching.
        try (JavaSparkContext sc = new JavaSparkContext(SparkTestContext.conf("local[2]")
                .set("spark.testing.memory", String.valueOf(450L << 20))
                .set("spark.memory.fraction", storageFraction))) {
            return new ParameterAveragingTrainer(sc, SPEC, CONFIG)
                    .train(new TestData.InMemory(TRAIN, TEST), TRAIN.size(), TEST.size());
        }
    }

    @Test
    void shardsTooBigForStorageMemoryStopTheRunBeforeItsFirstRoundNamingTheFix() {
        // 1% of 150 MiB = 1.5 MiB: neither 2.5 MB shard fits.
        ConfigException e = assertThrows(ConfigException.class, () -> train("0.01"));
        assertTrue(e.getMessage().startsWith("the training shards do not fit in the executors' storage memory: "
                + "0 of 2 stayed cached"), e.getMessage());
        assertTrue(e.getMessage().contains("EXECUTOR_MEMORY") && e.getMessage().contains("training.workers = 2"),
                e.getMessage());
    }

    @Test
    void shardsThatFitTrainAsUsual() {
        // 60% of 150 MiB: both fit, and the same settings train.
        TrainingResult r = train("0.6");
        assertEquals(TRAIN.size(), r.trainExamples());
    }
}
