package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.config.TrainingConfig.Aggregation;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.ModelSummary;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.ResultTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How a round's worker results reach the driver: the sharded all-reduce gives bitwise the parameters, optimiser
 * state and losses of averaging on the driver, and the bytes the driver receives per round (the result sizes of the
 * round's tasks, as Spark's listener bus reports them) stay flat from 1 to 8 workers, where averaging on the driver
 * grows with the workers.
 */
class RoundAggregationTest {
    private static final int CLASSES = 4;
    /** A dense network of 70,660 parameters, so that the arrays dominate what a round sends. */
    private static final NetworkSpec SPEC = new NetworkSpec("dense", Shape.map(1, 8, 8), List.of(
            new LayerSpec.Dense(1024, Activation.RELU, 0),
            new LayerSpec.Output()), CLASSES);
    private static final ExampleSet TEST = TestData.images(16, CLASSES, 8, 99);
    private static final UpdaterSpec ADAM = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContext.local2();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static TrainingResult train(ExampleSet train, int workers, Aggregation way) {
        TrainingConfig config = new TrainingConfig(2, workers, 4, 1, ADAM, 5, 8).withAggregation(way);
        return new ParameterAveragingTrainer(sc, SPEC, config)
                .train(new TestData.InMemory(train, TEST), train.size(), TEST.size());
    }

    @Test
    void shardedAggregationGivesBitwiseTheParametersAndLossesOfAveragingOnTheDriver() {
        // Shards of different sizes (5, 5, 4): the last round has workers without a minibatch.
        ExampleSet train = TestData.images(14, CLASSES, 8, 1);
        TrainingResult onDriver = train(train, 3, Aggregation.DRIVER);
        TrainingResult sharded = train(train, 3, Aggregation.SHARDED);
        assertArrayEquals(onDriver.network().params().toFloatVector(), sharded.network().params().toFloatVector());
        assertArrayEquals(onDriver.network().getUpdater().getStateViewArray().toFloatVector(),
                sharded.network().getUpdater().getStateViewArray().toFloatVector());
        assertEquals(onDriver.rounds().size(), sharded.rounds().size());
        for (int r = 0; r < onDriver.rounds().size(); r++) {
            RoundRecord a = onDriver.rounds().get(r);
            RoundRecord b = sharded.rounds().get(r);
            assertEquals(a.trainLoss(), b.trainLoss(), "round " + r);
            assertEquals(a.workers().stream().map(w -> w.shard() + ":" + w.examples() + ":" + w.loss()).toList(),
                    b.workers().stream().map(w -> w.shard() + ":" + w.examples() + ":" + w.loss()).toList());
        }
        assertTrue(onDriver.rounds().stream().anyMatch(r -> r.workers().size() < 3),
                "the data must give a round where a worker has no minibatch");
        assertEquals(onDriver.network().getLayerWiseConfigurations().getIterationCount(),
                sharded.network().getLayerWiseConfigurations().getIterationCount());
    }

    @Test
    void everyRoundsCostIsMeasuredAndItsPartsAddUpToItsWallTime() {
        ExampleSet train = TestData.images(32, CLASSES, 8, 3);
        for (Aggregation way : new Aggregation[] {Aggregation.DRIVER, Aggregation.SHARDED}) {
            TrainingResult result = train(train, 2, way);
            assertEquals(8, result.rounds().size(), way.name()); // 2 epochs of 4 rounds
            for (RoundRecord r : result.rounds()) {
                RoundCost c = r.cost();
                String seen = way + " round " + r.epoch() + "/" + r.round() + ": " + c;
                assertTrue(c.total() > 0 && c.scheduling() > 0 && c.broadcast() > 0 && c.compute() > 0
                        && c.result() >= 0 && c.averaging() > 0, seen);
                // Compute is the critical worker's own fit time.
                assertTrue(r.workers().stream().anyMatch(w -> w.fitSeconds() == c.compute()), seen);
                assertTrue(r.workers().stream().allMatch(w -> w.readSeconds() > 0), seen);
                double parts = c.scheduling() + c.broadcast() + c.compute() + c.result() + c.averaging();
                assertTrue(Math.abs(parts - c.total()) <= 0.1 * c.total() + 0.005, seen + ", parts " + parts);
            }
        }
    }

    @Test
    void theDriverReceivesTheParametersOncePerRoundWhateverTheWorkerCount() throws Exception {
        long arrays = 4L * 3 * ModelSummary.of(SPEC).totalParams(); // parameters and Adam's two moments, floats
        Map<Integer, Long> sharded = new java.util.TreeMap<>();
        Map<Integer, Long> onDriver = new java.util.TreeMap<>();
        for (int workers : new int[] {1, 2, 4, 8}) {
            ExampleSet train = TestData.images(8 * workers, CLASSES, 8, workers); // 2 minibatches per worker
            sharded.put(workers, bytesPerRound(() -> train(train, workers, Aggregation.SHARDED)));
            onDriver.put(workers, bytesPerRound(() -> train(train, workers, Aggregation.DRIVER)));
        }
        String seen = "driver bytes per round: sharded " + sharded + ", on the driver " + onDriver
                + "; parameters + optimiser state " + arrays + " bytes";
        for (int workers : sharded.keySet()) {
            // Flat: within 10% of the arrays' size at every worker count.
            assertTrue(Math.abs(sharded.get(workers) - arrays) < 0.1 * arrays, seen);
            // The measure can tell: averaging on the driver receives every worker's arrays.
            assertTrue(Math.abs(onDriver.get(workers) - workers * arrays) < 0.1 * workers * arrays, seen);
        }
    }

    /** The mean over the run's training rounds of the result bytes of their result tasks. */
    private static long bytesPerRound(Runnable run) throws java.util.concurrent.TimeoutException {
        Map<Integer, Boolean> roundJobs = new ConcurrentHashMap<>();
        Map<Integer, Integer> stageJob = new ConcurrentHashMap<>();
        AtomicLong bytes = new AtomicLong();
        List<Integer> rounds = new ArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                String description = job.properties().getProperty("spark.job.description", "");
                if (description.contains(", round ")) {
                    synchronized (rounds) {
                        rounds.add(job.jobId());
                    }
                    roundJobs.put(job.jobId(), true);
                    job.stageIds().foreach(s -> stageJob.put((Integer) s, job.jobId()));
                }
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd task) {
                if (stageJob.containsKey(task.stageId()) && task.taskType().equals(ResultTask.class.getSimpleName())
                        && task.taskMetrics() != null) {
                    bytes.addAndGet(task.taskMetrics().resultSize());
                }
            }
        };
        sc.sc().addSparkListener(listener);
        try {
            run.run();
            sc.sc().listenerBus().waitUntilEmpty();
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        assertTrue(!rounds.isEmpty(), "no round jobs seen");
        return bytes.get() / rounds.size();
    }
}
