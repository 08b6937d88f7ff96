package io.sparktrain.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.data.Split;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark UI shows where training is: every job of a run in the run's group, named by epoch and round. */
class SparkJobNamesTest {
    @TempDir
    Path tmp;

    @Test
    void roundsThroughSparkAreOneJobEachNamedByEpochAndRound() throws Exception {
        List<String> described = describedJobs("driver");
        // 128 examples, shards of 64 = 4 minibatches of 16, averaging every 2: 2 rounds per epoch.
        assertTrue(described.contains("preset two-block-cnn: epoch 1/2, round 1/2"), described.toString());
        assertTrue(described.contains("preset two-block-cnn: epoch 2/2, round 2/2"), described.toString());
        assertEquals(2, described.stream().filter(d -> d.contains("test evaluation after epoch")).count());
    }

    @Test
    void roundsThroughMemoryAreOneJobPerEpochNamedByItsRounds() throws Exception {
        List<String> described = describedJobs("auto"); // local[2] with two workers: memory
        assertTrue(described.contains("preset two-block-cnn: epoch 1/2, rounds 1-2 (through memory)"),
                described.toString());
        assertTrue(described.contains("preset two-block-cnn: epoch 2/2, rounds 1-2 (through memory)"),
                described.toString());
        assertEquals(0, described.stream().filter(d -> d.contains(", round ")).count(), described.toString());
        assertEquals(2, described.stream().filter(d -> d.contains("test evaluation after epoch")).count());
    }

    /** The descriptions of a two-epoch run's jobs, after checking every job is in the run's group. */
    private List<String> describedJobs(String aggregation) throws Exception {
        TestData.writeIdx(tmp.resolve("mnist"), Split.TRAIN, TestData.images(128, 10, 28, 1));
        TestData.writeIdx(tmp.resolve("mnist"), Split.TEST, TestData.images(40, 10, 28, 2));
        List<String[]> jobs = new CopyOnWriteArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(SparkTestContext.conf("local[2]"))) {
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onJobStart(SparkListenerJobStart start) {
                    jobs.add(new String[] {start.properties().getProperty("spark.jobGroup.id"),
                            start.properties().getProperty("spark.job.description")});
                }
            });
            TrainingJob.run(JobConfigLoader.fromString("name = ui-test\ndata.dir = \"" + tmp.resolve("mnist").toUri()
                    + "\"\ntraining { epochs = 2, batchSizePerWorker = 16, averagingFrequency = 2, aggregation = "
                    + aggregation + " }"), tmp.resolve("run").toString(), sc);
        }
        assertTrue(jobs.stream().allMatch(j -> "sparktrain-ui-test".equals(j[0])), "every job in the run's group");
        return jobs.stream().map(j -> j[1]).filter(d -> d != null).toList();
    }
}
