package io.sparktrain.training;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.collection.JavaConverters;

/**
 * Splits each round's wall time into the parts of a {@link RoundCost}, from the driver's own clock and the task
 * events Spark's listener bus delivers. The round's jobs are tagged with a local property; the bus delivers
 * asynchronously, so a round's cost is worked out later ({@link #cost}), when its job's end has arrived.
 */
final class RoundClock extends SparkListener {
    /** The local property that names a round's jobs. */
    static final String ROUND = "sparktrain.round";

    private final JavaSparkContext sc;
    private final Map<Integer, String> stageRound = new HashMap<>();
    private final Map<Integer, String> jobRound = new HashMap<>();
    private final Map<String, Job> jobs = new HashMap<>();

    /** What the listener saw of one round's job. */
    private static final class Job {
        long submitMillis;
        int firstStage = Integer.MAX_VALUE;
        boolean ended;
        /** The first stage's task that finished last: launch time, deserialisation, partition. */
        long lastFinish = -1;
        long lastLaunch;
        long lastDeserializeMillis;
        int lastPartition = -1;
    }

    private RoundClock(JavaSparkContext sc) {
        this.sc = sc;
    }

    /** A clock listening to {@code sc} until {@link #detach()}. */
    static RoundClock attach(JavaSparkContext sc) {
        RoundClock clock = new RoundClock(sc);
        sc.sc().addSparkListener(clock);
        return clock;
    }

    void detach() {
        sc.sc().removeSparkListener(this);
    }

    /** Tags the jobs this thread submits, until {@link #untag()}, as round {@code key}'s. */
    void tag(String key) {
        sc.setLocalProperty(ROUND, key);
    }

    void untag() {
        sc.setLocalProperty(ROUND, null);
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
        String key = start.properties() == null ? null : start.properties().getProperty(ROUND);
        if (key == null) {
            return;
        }
        jobRound.put(start.jobId(), key);
        Job job = jobs.computeIfAbsent(key, k -> new Job());
        job.submitMillis = start.time();
        for (Object id : JavaConverters.seqAsJavaList(start.stageIds())) {
            stageRound.put((Integer) id, key);
            job.firstStage = Math.min(job.firstStage, (Integer) id);
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        String key = stageRound.get(end.stageId());
        Job job = key == null ? null : jobs.get(key);
        if (job == null || end.stageId() != job.firstStage || end.taskMetrics() == null) {
            return;
        }
        if (end.taskInfo().finishTime() > job.lastFinish) {
            job.lastFinish = end.taskInfo().finishTime();
            job.lastLaunch = end.taskInfo().launchTime();
            job.lastDeserializeMillis = end.taskMetrics().executorDeserializeTime();
            job.lastPartition = end.taskInfo().index();
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        // A job's end follows all of its task ends on the bus.
        String key = jobRound.remove(end.jobId());
        Job job = key == null ? null : jobs.get(key);
        if (job != null) {
            job.ended = true;
            notifyAll();
        }
    }

    /**
     * Round {@code key}'s cost, waiting until {@code deadlineNanos} (of {@link System#nanoTime()}) at most for the bus
     * to deliver its job's end: one deadline for all the rounds of an epoch, so a stalled bus costs it one wait.
     *
     * @param broadcastNanos the driver's time creating the round's broadcast
     * @param jobNanos the driver's time in the round's job
     * @param averagingNanos the driver's averaging
     * @param totalNanos the whole round
     * @param workers the workers' reports, with their read and fit times
     * @return the cost, or {@link RoundCost#NONE} when the events did not arrive in time
     */
    synchronized RoundCost cost(String key, long broadcastNanos, long jobNanos, long averagingNanos, long totalNanos,
                                List<RoundTotals.WorkerReport> workers, long deadlineNanos) {
        long deadline = deadlineNanos;
        Job job = jobs.get(key);
        try {
            while ((job == null || !job.ended) && System.nanoTime() < deadline) {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                job = jobs.get(key);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's loop sees it; the cost is just not known
        }
        jobs.remove(key);
        stageRound.values().removeIf(key::equals);
        if (job == null || !job.ended || job.lastPartition < 0) {
            return RoundCost.NONE;
        }
        RoundTotals.WorkerReport critical = null;
        for (RoundTotals.WorkerReport w : workers) {
            if (w.shard() == job.lastPartition) {
                critical = w;
            }
        }
        double read = critical == null ? 0 : critical.readSeconds();
        double fit = critical == null ? 0 : critical.fitSeconds();
        double scheduling = (job.lastLaunch - job.submitMillis + job.lastDeserializeMillis) / 1e3;
        double jobSeconds = jobNanos / 1e9;
        return new RoundCost(scheduling, broadcastNanos / 1e9 + read, fit,
                Math.max(0, jobSeconds - scheduling - read - fit), averagingNanos / 1e9, totalNanos / 1e9);
    }
}
