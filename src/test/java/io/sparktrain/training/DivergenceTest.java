package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.DivergenceConfig;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Divergence stops a run on real Spark, naming the round and the worker, and keeps the last good checkpoint. */
class DivergenceTest {
    private static final NetworkSpec SPEC = new NetworkSpec("test-mlp", Shape.map(1, 8, 8), List.of(
            new LayerSpec.Dense(12, Activation.TANH, 0), new LayerSpec.Output()), 4);
    private static final ExampleSet TEST = TestData.images(30, 4, 8, 99);
    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        sc = SparkTestContext.local2();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** {@code set} with example {@code i}'s first pixel NaN. */
    private static ExampleSet poisoned(ExampleSet set, int i) {
        float[] x = set.toDataSet().getFeatures().dup('c').data().asFloat();
        x[i * set.featureLength()] = Float.NaN;
        int[] y = new int[set.size()];
        for (int k = 0; k < y.length; k++) {
            y[k] = set.label(k);
        }
        return new ExampleSet(x, y, set.exampleShape(), set.numClasses());
    }

    @Test
    void aNaNInOneWorkersDataStopsTheRunNamingRoundAndWorkerAndKeepsTheCheckpoint() {
        ExampleSet clean = TestData.images(64, 4, 8, 1);
        // 2 workers x 32 examples, minibatches of 8: 4 rounds of one minibatch each. The shard plan decides which
        // worker gets which example: poison the first example that worker 1 fits in round 3.
        io.sparktrain.data.ShardPlan plan = new io.sparktrain.data.ShardPlan(64, 2, 8, 3);
        int worker = 1;
        int round = 2;
        int example = plan.shardIndices(worker)[plan.epochOrder(worker, 0)[round * 8]];
        CheckpointStore store = CheckpointStore.at(dir.toUri().toString(), 3, new Configuration());
        TrainingConfig config = new TrainingConfig(1, 2, 8, 1, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0), 3,
                16);
        ExampleSet train = poisoned(clean, example);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                new ParameterAveragingTrainer(sc, SPEC, config).checkpointing(store, 1, Optional.empty())
                        .train(new TestData.InMemory(train, TEST), train.size(), TEST.size()));
        assertTrue(e.getMessage().startsWith("training diverged at epoch 1 round " + (round + 1) + ": worker "
                + worker + " (executor driver) has training loss NaN; hints: lower training.learningRate"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("last good checkpoint: " + store.dir() + "/ckpt-" + String.format("%06d",
                round)), e.getMessage());
        Checkpoint kept = store.newestValid(w -> { }).orElseThrow().checkpoint();
        assertEquals(round, kept.roundsDone(), "the checkpoint before the bad round stays");
        for (float p : kept.params()) {
            assertTrue(Float.isFinite(p));
        }
    }

    @Test
    void explodingParametersStopTheRunThoughTheLossStaysFinite() {
        ExampleSet train = TestData.images(64, 4, 8, 1);
        TrainingConfig config = new TrainingConfig(3, 2, 8, 1, new UpdaterSpec(UpdaterSpec.Kind.SGD, 1e9, 0), 3, 16,
                0, new DivergenceConfig(0, 1e4, 0));
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                new ParameterAveragingTrainer(sc, SPEC, config)
                        .train(new TestData.InMemory(train, TEST), train.size(), TEST.size()));
        assertTrue(e.getMessage().contains("exceeds training.divergence.maxParameter (10000.0)"), e.getMessage());
    }

    @Test
    void theSameRunWithTheGuardsOffAndALossFactorOfFiveStopsOnTheLoss() {
        ExampleSet train = TestData.images(64, 4, 8, 1);
        TrainingConfig config = new TrainingConfig(3, 2, 8, 1, new UpdaterSpec(UpdaterSpec.Kind.SGD, 1e9, 0), 3, 16,
                0, new DivergenceConfig(5, 0, 0));
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                new ParameterAveragingTrainer(sc, SPEC, config)
                        .train(new TestData.InMemory(train, TEST), train.size(), TEST.size()));
        assertTrue(e.getMessage().contains("x ln(4 classes)"), e.getMessage());
    }
}
