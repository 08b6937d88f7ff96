package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.Examples;
import io.sparktrain.data.ShardPlan;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trainer's entry point for shards the caller cut (a DataFrame's rows): shards holding what {@link ShardPlan}
 * names train exactly as the trainer's own loaders; without a test set the per-epoch evaluation is skipped; shards
 * that do not follow the plan are refused before any round.
 */
class CutShardsTrainingTest {
    private static final int CLASSES = 3;
    private static final NetworkSpec SPEC = new NetworkSpec("dense", Shape.map(1, 6, 6), List.of(
            new LayerSpec.Dense(10, Activation.TANH, 0), new LayerSpec.Output()), CLASSES);
    private static final ExampleSet TRAIN = TestData.images(70, CLASSES, 6, 5);
    private static final ExampleSet TEST = TestData.images(21, CLASSES, 6, 6);
    private static final TrainingConfig CONFIG = new TrainingConfig(2, 3, 8, 2,
            new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0), 11, 5);

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContext.local2();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static JavaRDD<Examples> shards(ShardPlan plan) {
        List<Examples> shards = new ArrayList<>();
        for (int s = 0; s < plan.shards(); s++) {
            shards.add(TRAIN.subset(plan.shardIndices(s)));
        }
        return sc.parallelize(shards, shards.size());
    }

    /** The test set cut as the trainer cuts it: contiguous parts, one per worker. */
    private static JavaRDD<Examples> testParts(int parts) {
        List<Examples> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            out.add(TEST.subset(IntStream.range(TEST.size() * p / parts, TEST.size() * (p + 1) / parts).toArray()));
        }
        return sc.parallelize(out, parts);
    }

    private static ShardPlan plan() {
        return new ShardPlan(TRAIN.size(), CONFIG.workers(), CONFIG.batchSizePerWorker(), CONFIG.seed());
    }

    @Test
    void shardsCutByThePlanTrainAsTheTrainersOwnLoaders() {
        TrainingResult loaded = new ParameterAveragingTrainer(sc, SPEC, CONFIG)
                .train(new TestData.InMemory(TRAIN, TEST), TRAIN.size(), TEST.size());
        TrainingResult cut = new ParameterAveragingTrainer(sc, SPEC, CONFIG)
                .train(shards(plan()), TRAIN.size(), Optional.of(testParts(CONFIG.workers())));
        assertArrayEquals(loaded.network().params().toFloatVector(), cut.network().params().toFloatVector());
        assertEquals(loaded.rounds().stream().map(RoundRecord::trainLoss).toList(),
                cut.rounds().stream().map(RoundRecord::trainLoss).toList());
        assertEquals(loaded.test(), cut.test());
        assertEquals(TEST.size(), cut.test().examples());
    }

    @Test
    void withoutATestSetNoEpochIsEvaluated() {
        TrainingResult loaded = new ParameterAveragingTrainer(sc, SPEC, CONFIG)
                .train(new TestData.InMemory(TRAIN, TEST), TRAIN.size(), TEST.size());
        TrainingResult cut = new ParameterAveragingTrainer(sc, SPEC, CONFIG)
                .train(shards(plan()), TRAIN.size(), Optional.empty());
        assertArrayEquals(loaded.network().params().toFloatVector(), cut.network().params().toFloatVector(),
                "the evaluation does not change training");
        assertEquals(Evaluation.EMPTY, cut.test());
        assertEquals(2, cut.epochs().size());
        assertTrue(Double.isNaN(cut.epochs().get(1).testAccuracy()));
        assertEquals(loaded.epochs().get(1).trainLoss(), cut.epochs().get(1).trainLoss());
    }

    @Test
    void shardsThatDoNotFollowThePlanAreRefused() {
        ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(sc, SPEC, CONFIG);
        String partitions = assertThrows(IllegalArgumentException.class, () -> trainer.train(
                sc.parallelize(List.<Examples>of(TRAIN), 1), TRAIN.size(), Optional.empty())).getMessage();
        assertEquals("1 shard partitions for 3 workers (training.workers)", partitions);
        List<Examples> uneven = List.of(TRAIN.subset(IntStream.range(0, 30).toArray()),
                TRAIN.subset(IntStream.range(30, 50).toArray()), TRAIN.subset(IntStream.range(50, 70).toArray()));
        String sizes = assertThrows(IllegalArgumentException.class, () -> trainer.train(
                sc.parallelize(uneven, 3), TRAIN.size(), Optional.empty())).getMessage();
        assertEquals("shard 0 holds 30 examples, the plan for 70 examples over 3 workers gives it 24", sizes);
    }
}
