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
 * How a round's worker results reach the driver: the sharded all-reduce and the exchange through memory give bitwise
 * the parameters, optimiser state and losses of averaging on the driver, and the bytes the driver receives per round (the result sizes of the
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
    void roundsThroughMemoryGiveBitwiseTheRunOfAveragingOnTheDriverInOneSparkJobPerEpoch() {
        ExampleSet train = TestData.images(14, CLASSES, 8, 1);
        TrainingResult onDriver = train(train, 2, Aggregation.DRIVER);
        List<String> jobs = new java.util.concurrent.CopyOnWriteArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                jobs.add(job.properties().getProperty("spark.job.description", ""));
            }
        };
        sc.sc().addSparkListener(listener);
        TrainingResult memory;
        try {
            memory = train(train, 2, Aggregation.MEMORY);
            sc.sc().listenerBus().waitUntilEmpty(10_000);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        assertArrayEquals(onDriver.network().params().toFloatVector(), memory.network().params().toFloatVector());
        assertArrayEquals(onDriver.network().getUpdater().getStateViewArray().toFloatVector(),
                memory.network().getUpdater().getStateViewArray().toFloatVector());
        assertEquals(onDriver.rounds().size(), memory.rounds().size());
        for (int r = 0; r < onDriver.rounds().size(); r++) {
            assertEquals(onDriver.rounds().get(r).trainLoss(), memory.rounds().get(r).trainLoss(), "round " + r);
        }
        assertEquals(onDriver.network().getLayerWiseConfigurations().getIterationCount(),
                memory.network().getLayerWiseConfigurations().getIterationCount());
        // 2 epochs of 2 rounds: one training job per epoch, no job per round.
        assertEquals(2, jobs.stream().filter(d -> d.contains("(through memory)")).count(), jobs.toString());
        assertTrue(jobs.stream().noneMatch(d -> d.contains(", round ")), jobs.toString());
    }

    /** Training examples whose minibatches fail after {@code good} of them: a worker that breaks mid-epoch. */
    private record Breaking(io.sparktrain.data.Examples inner, int good) implements io.sparktrain.data.Examples {
        private static final java.util.concurrent.atomic.AtomicInteger MADE = new java.util.concurrent.atomic
                .AtomicInteger();

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int numClasses() {
            return inner.numClasses();
        }

        @Override
        public io.sparktrain.data.Examples concat(io.sparktrain.data.Examples other) {
            throw new UnsupportedOperationException();
        }

        @Override
        public io.sparktrain.data.Examples subset(int[] indices) {
            return new Breaking(inner.subset(indices), good);
        }

        @Override
        public org.nd4j.linalg.dataset.DataSet minibatch(int[] indices, int from, int to) {
            if (MADE.incrementAndGet() > good) {
                throw new IllegalStateException("minibatch broke");
            }
            return inner.minibatch(indices, from, to);
        }
    }

    @Test
    void aWorkerFailingThroughMemoryStopsTheRunWithItsErrorAndTheOtherWorkersQuit() {
        ExampleSet train = TestData.images(32, CLASSES, 8, 4);
        TrainingConfig config = new TrainingConfig(2, 2, 4, 1, ADAM, 5, 8).withAggregation(Aggregation.MEMORY);
        RuntimeException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(120), () -> org.junit.jupiter.api.Assertions.assertThrows(
                        RuntimeException.class, () -> new ParameterAveragingTrainer(sc, SPEC, config).train(
                                new TestData.InMemory(new Breaking(train, 5), TEST), train.size(), TEST.size())));
        Throwable cause = e;
        while (cause != null && !"minibatch broke".equals(cause.getMessage())) {
            cause = cause.getCause();
        }
        assertTrue(cause != null, "the worker's own error reaches the caller: " + e);
        // The context is usable afterwards: nothing of the failed run is left running.
        assertEquals(2L, sc.parallelize(List.of(1, 2), 2).count());
    }

    @Test
    void memoryNeedsALocalTaskSlotPerWorker() {
        assertEquals(2, ParameterAveragingTrainer.localSlots("local[2]", 1));
        assertEquals(1, ParameterAveragingTrainer.localSlots("local", 1));
        assertEquals(4, ParameterAveragingTrainer.localSlots("local[4, 3]", 1));
        assertEquals(2, ParameterAveragingTrainer.localSlots("local[4]", 2));
        assertEquals(Runtime.getRuntime().availableProcessors(), ParameterAveragingTrainer.localSlots("local[*]", 1));
        assertEquals(0, ParameterAveragingTrainer.localSlots("spark://host:7077", 1));
        ExampleSet train = TestData.images(24, CLASSES, 8, 2);
        io.sparktrain.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.sparktrain.config.ConfigException.class, () -> train(train, 3, Aggregation.MEMORY));
        assertTrue(e.getMessage().contains("training.aggregation = memory needs Spark local mode with a task slot "
                + "per worker (training.workers = 3)"), e.getMessage());
        // Auto falls back to a job per round when the workers outnumber the slots, with the same result.
        assertArrayEquals(train(train, 3, Aggregation.DRIVER).network().params().toFloatVector(),
                train(train, 3, Aggregation.AUTO).network().params().toFloatVector());
    }

    @Test
    void everyRoundsCostIsMeasuredAndItsPartsAddUpToItsWallTime() {
        ExampleSet train = TestData.images(32, CLASSES, 8, 3);
        for (Aggregation way : Aggregation.values()) {
            if (way == Aggregation.AUTO) {
                continue;
            }
            TrainingResult result = train(train, 2, way);
            assertEquals(8, result.rounds().size(), way.name()); // 2 epochs of 4 rounds
            boolean broadcast = way != Aggregation.MEMORY;
            for (RoundRecord r : result.rounds()) {
                RoundCost c = r.cost();
                String seen = way + " round " + r.epoch() + "/" + r.round() + ": " + c;
                assertTrue(c.total() > 0 && c.scheduling() > 0 && (c.broadcast() > 0) == broadcast
                        && c.compute() > 0 && c.result() >= 0 && c.averaging() > 0, seen);
                // Compute is the critical worker's own fit time.
                assertTrue(r.workers().stream().anyMatch(w -> w.fitSeconds() == c.compute()), seen);
                assertTrue(r.workers().stream().allMatch(w -> (w.readSeconds() > 0) == broadcast), seen);
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
