package io.sparktrain.training;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.DataAccess;
import io.sparktrain.data.Examples;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.IndexRanges;
import io.sparktrain.data.ShardPlan;
import io.sparktrain.data.Split;
import io.sparktrain.diagnostics.BrokenKernelsException;
import io.sparktrain.diagnostics.NativeReport;
import io.sparktrain.nn.NativeThreads;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous parameter averaging on Spark. The training set is cut into one shard per worker (a cached Spark
 * partition each, loaded by the executor itself). Each round the driver broadcasts the parameters and optimiser
 * state; every worker fits {@code averagingFrequency} minibatches of its shard from that starting point and
 * returns its parameters, optimiser state and the sum of its minibatch losses; the driver averages parameters and
 * state weighted by the examples each worker fitted, and divides the summed losses by the summed examples.
 *
 * <p>Weighting by examples makes a round with plain SGD and averaging frequency 1 exactly one SGD step on the union
 * of the workers' minibatches, whatever their sizes. A retried Spark task replaces the failed attempt's result, so
 * a round's loss is counted once.
 *
 * <p>Why not dl4j-spark's {@code ParameterAveragingTrainingMaster}: the score it reports after a fit is each
 * worker's <em>last</em> minibatch score, not the loss over the minibatches fitted, so it cannot give the exact
 * example-weighted loss this project reports (measured in {@code Dl4jSparkLossReportTest}).
 */
public final class ParameterAveragingTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(ParameterAveragingTrainer.class);

    private final JavaSparkContext sc;
    private final NetworkSpec spec;
    private final TrainingConfig config;
    private final MultiLayerNetwork start;
    private final TrainingProgress progress;
    private final Checkpointing checkpoints;

    /**
     * @param sc the Spark context whose executors do the work
     * @param spec the network
     * @param config the training settings
     */
    public ParameterAveragingTrainer(JavaSparkContext sc, NetworkSpec spec, TrainingConfig config) {
        this(sc, spec, config, null, TrainingProgress.NONE, Checkpointing.NONE);
    }

    private ParameterAveragingTrainer(JavaSparkContext sc, NetworkSpec spec, TrainingConfig config,
                                      MultiLayerNetwork start, TrainingProgress progress, Checkpointing checkpoints) {
        this.sc = sc;
        this.spec = spec;
        this.config = config;
        this.start = start;
        this.progress = progress;
        this.checkpoints = checkpoints;
    }

    /** The same trainer, telling {@code listener} about every round and epoch. */
    public ParameterAveragingTrainer reporting(TrainingProgress listener) {
        return new ParameterAveragingTrainer(sc, spec, config, start, listener, checkpoints);
    }

    /**
     * The same trainer, writing a checkpoint to {@code store} at every epoch end and every {@code everyRounds}
     * rounds (0 = epoch ends only), and continuing from {@code resume} when it is given (its identity must have
     * been checked against this run's, {@link Checkpoint.Identity#requireSame}).
     */
    public ParameterAveragingTrainer checkpointing(CheckpointStore store, int everyRounds,
                                                   java.util.Optional<Checkpoint> resume) {
        return new ParameterAveragingTrainer(sc, spec, config, start, progress,
                new Checkpointing(store, everyRounds, resume.orElse(null)));
    }

    /** Where checkpoints go and which one the run continues from; store null = none written. */
    private record Checkpointing(CheckpointStore store, int everyRounds, Checkpoint resume) {
        static final Checkpointing NONE = new Checkpointing(null, 0, null);
    }

    /**
     * The same trainer, starting from {@code network}'s parameters, optimiser state and iteration count (a warm
     * start) instead of a fresh initialisation. The job's learning-rate schedule applies as configured: the epoch
     * count starts at 0, and per-iteration schedules start at the carried iteration count. {@code network} must have
     * this trainer's architecture.
     */
    public ParameterAveragingTrainer startingFrom(MultiLayerNetwork network) {
        return new ParameterAveragingTrainer(sc, spec, config, network, progress, checkpoints);
    }

    /**
     * Trains for {@code config.epochs()} epochs, evaluating on the test split after each.
     *
     * @param source the examples; executors load their shards from it
     * @param trainSize number of training examples the source yields (the driver has validated it)
     * @param testSize number of test examples
     * @throws TrainingDivergedException when a round's loss is not finite
     */
    public TrainingResult train(ExampleSource source, int trainSize, int testSize) {
        int workers = config.workers();
        ShardPlan plan = ShardPlan.of(trainSize, source.blockStarts(Split.TRAIN, sc.hadoopConfiguration()), workers,
                config.batchSizePerWorker(), config.seed());
        // Broadcast once: the shard RDDs' lineage goes into every round's task binary, and a Hadoop configuration
        // serialised there costs each round's tasks milliseconds to write and read back.
        Broadcast<SerializableHadoopConf> hadoop = sc.broadcast(new SerializableHadoopConf(sc.hadoopConfiguration()));

        CollectionAccumulator<long[]> reads = sc.sc().collectionAccumulator("bytes read per shard");
        JavaRDD<Examples> shards = sc.parallelize(range(workers), workers)
                .mapPartitionsWithIndex(new LoadShard(source, hadoop, plan, reads), true)
                .persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<Examples> testParts = sc.parallelize(range(workers), workers)
                .mapPartitionsWithIndex(new LoadTestPart(source, hadoop, testSize, workers), true)
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            return trainOn(plan, shards, java.util.Optional.of(testParts), trainSize, testSize)
                    .withBytesReadPerShard(bytesRead(reads, workers));
        } finally {
            shards.unpersist(false);
            testParts.unpersist(false);
            hadoop.destroy();
        }
    }

    /**
     * Trains for {@code config.epochs()} epochs on shards the caller has cut (a DataFrame's rows, for example),
     * evaluating on {@code testParts} after each epoch when it is given and skipping the evaluation when not.
     * Partition {@code s} of {@code shards} must hold one {@link Examples}: exactly the examples that
     * {@link ShardPlan#shardIndices(int) shardIndices(s)} names for {@code trainSize} examples and this trainer's
     * workers, minibatch size and seed, in that order; then the run is the one {@link #train(ExampleSource, int,
     * int)} makes on a source yielding those examples. The shards are cached for the run (unless the caller cached
     * them) and released at its end.
     *
     * @param shards one partition per worker, one {@code Examples} each
     * @param trainSize the examples in all shards
     * @param testParts the test set, one {@code Examples} per partition, or empty for no per-epoch evaluation
     * @throws IllegalArgumentException when the shards do not have the plan's partitions and sizes
     * @throws TrainingDivergedException when a round's loss is not finite
     */
    public TrainingResult train(JavaRDD<Examples> shards, int trainSize,
                                java.util.Optional<JavaRDD<Examples>> testParts) {
        ShardPlan plan = new ShardPlan(trainSize, config.workers(), config.batchSizePerWorker(), config.seed());
        if (shards.getNumPartitions() != plan.shards()) {
            throw new IllegalArgumentException(shards.getNumPartitions() + " shard partitions for "
                    + plan.shards() + " workers (training.workers)");
        }
        boolean cacheShards = shards.getStorageLevel().equals(StorageLevel.NONE());
        boolean cacheTest = testParts.isPresent() && testParts.get().getStorageLevel().equals(StorageLevel.NONE());
        if (cacheShards) {
            shards.persist(StorageLevel.MEMORY_ONLY());
        }
        if (cacheTest) {
            testParts.get().persist(StorageLevel.MEMORY_ONLY());
        }
        try {
            List<Integer> sizes = shards.mapPartitions(new Sizes()).collect();
            for (int s = 0; s < sizes.size(); s++) {
                if (sizes.get(s) != plan.shardSize(s)) {
                    throw new IllegalArgumentException("shard " + s + " holds " + sizes.get(s) + " examples, the "
                            + "plan for " + trainSize + " examples over " + plan.shards() + " workers gives it "
                            + plan.shardSize(s));
                }
            }
            int testSize = testParts.map(t -> t.mapPartitions(new Sizes()).collect().stream()
                    .mapToInt(Integer::intValue).sum()).orElse(0);
            return trainOn(plan, shards, testParts, trainSize, testSize);
        } finally {
            if (cacheShards) {
                shards.unpersist(false);
            }
            if (cacheTest) {
                testParts.get().unpersist(false);
            }
        }
    }

    /** Executor side: the examples in a partition of {@code Examples}. */
    private record Sizes() implements FlatMapFunction<Iterator<Examples>, Integer> {
        @Override
        public Iterator<Integer> call(Iterator<Examples> partition) {
            int n = 0;
            while (partition.hasNext()) {
                n += partition.next().size();
            }
            return Collections.singletonList(n).iterator();
        }
    }

    /** Checks the executors' native stacks, then runs the rounds on cached shards (and test parts, if any). */
    private TrainingResult trainOn(ShardPlan plan, JavaRDD<Examples> shards,
                                   java.util.Optional<JavaRDD<Examples>> testParts, int trainSize, int testSize) {
        List<ExecutorKernels> kernels = shards.mapPartitionsWithIndex(new Examine(), true).collect();
        for (ExecutorKernels k : kernels) {
            LOG.info("shard {} on executor {}: {} {}{}, BLAS {} x{}, OpenMP x{}, conv helper {}, self-check {}",
                    k.shard(), k.executorId(), k.report().backend(), k.report().platform(),
                    k.report().extension(), k.report().blasVendor(), k.report().blasThreads(),
                    k.report().ompThreads(), k.report().helpers().get("conv"),
                    k.report().healthy() ? "ok" : "FAILED");
            if (!k.report().healthy()) {
                throw new BrokenKernelsException("executor " + k.executorId() + " on " + k.report().host(),
                        k.report());
            }
        }
        requireCached(shards, plan.shards());
        return run(plan, shards, testParts, kernels, Checkpoint.Identity.of(spec, config, trainSize, testSize));
    }

    /**
     * Every round reads the shards from Spark's cache. A shard that does not fit in its executor's storage memory is
     * not cached (Spark only logs a warning) and would be loaded again from the data for every round, so the run
     * stops before its first round instead, naming the settings that fix it.
     */
    private void requireCached(JavaRDD<Examples> shards, int workers) {
        int cached = 0;
        for (RDDInfo info : sc.sc().getRDDStorageInfo()) {
            if (info.id() == shards.id()) {
                cached = info.numCachedPartitions();
            }
        }
        if (cached < workers) {
            throw new ConfigException(String.format("the training shards do not fit in the executors' storage "
                    + "memory: %d of %d stayed cached, so every round would read its shard again; give each executor "
                    + "more memory (EXECUTOR_MEMORY, spark.executor.memory: Spark caches in (heap - 300 MiB) x "
                    + "spark.memory.fraction, 0.6 by default) or use more workers (training.workers = %d)",
                    cached, workers, workers));
        }
    }

    private TrainingResult run(ShardPlan plan, JavaRDD<Examples> shards,
                               java.util.Optional<JavaRDD<Examples>> testParts,
                               List<ExecutorKernels> kernels, Checkpoint.Identity identity) {
        RoundClock clock = RoundClock.attach(sc);
        try {
            return run(plan, shards, testParts, kernels, identity, clock);
        } finally {
            clock.detach();
        }
    }

    /** A round whose cost is worked out at the end of its epoch, when Spark's listener bus has caught up. */
    private record PendingCost(int index, String key, long broadcastNanos, long jobNanos, long averagingNanos,
                               long totalNanos, List<RoundTotals.WorkerReport> workers) {
    }

    private TrainingResult run(ShardPlan plan, JavaRDD<Examples> shards,
                               java.util.Optional<JavaRDD<Examples>> testParts,
                               List<ExecutorKernels> kernels, Checkpoint.Identity identity, RoundClock clock) {
        int roundsPerEpoch = (plan.maxBatchesPerEpoch() + config.averagingFrequency() - 1)
                / config.averagingFrequency();
        // Per-iteration learning-rate schedules are laid out over the run's optimiser steps (one per minibatch),
        // from the iteration count a warm start carries over.
        long firstIteration = start == null ? 0 : start.getLayerWiseConfigurations().getIterationCount();
        MultiLayerNetwork net = NetworkFactory.network(spec, config.updater()
                .forRun(plan.maxBatchesPerEpoch(), config.epochs()).startingAt(firstIteration), config.seed(),
                config.tbpttLength());
        String json = net.getLayerWiseConfigurations().toJson();
        Progress p = checkpoints.resume() != null ? Progress.from(checkpoints.resume())
                : Progress.start(json, net, start);
        ModelState state = new ModelState(json, p.params, p.updaterState, p.iteration, p.epoch);
        LOG.info("{}; {} workers x {} examples per minibatch, averaging every {} minibatches: {} rounds per epoch{}",
                spec.name(), plan.shards(), plan.batchSize(), config.averagingFrequency(), roundsPerEpoch,
                checkpoints.resume() == null ? "" : "; resumed at epoch " + (p.epoch + 1) + " round "
                        + (p.nextRound + 1) + " after " + p.rounds.size() + " rounds");
        if (checkpoints.resume() != null) {
            progress.resumed(List.copyOf(p.rounds), List.copyOf(p.epochs));
        }
        String hints = hints();
        TrainingConfig.Aggregation aggregation = aggregation(plan.shards());
        LOG.info("aggregation: {}", aggregation.name().toLowerCase(java.util.Locale.ROOT));
        List<PendingCost> pending = new ArrayList<>();
        MemoryRounds memory = aggregation == TrainingConfig.Aggregation.MEMORY ? MemoryRounds.open(plan.shards())
                : null;
        try {
            for (int epoch = p.epoch; epoch < config.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                progress.epochStarted(epoch + 1, roundsPerEpoch);
                int firstRound = epoch == p.epoch ? p.nextRound : 0;
                LossSum epochLoss = epoch == p.epoch ? p.epochLoss : LossSum.ZERO;
                double secondsBefore = epoch == p.epoch ? p.epochSeconds : 0;
                JavaFutureAction<List<Integer>> epochJob = null;
                if (memory != null) {
                    sc.setJobDescription(String.format("%s: epoch %d/%d, rounds %d-%d (through memory)", spec.name(),
                            epoch + 1, config.epochs(), firstRound + 1, roundsPerEpoch));
                    epochJob = shards.mapPartitionsWithIndex(memory.epoch(plan, epoch, firstRound, roundsPerEpoch,
                            config.averagingFrequency(), config.seed()), true).collectAsync();
                }
                try {
                    for (int round = firstRound; round < roundsPerEpoch; round++) {
                        state = state.withEpoch(epoch);
                        String key = (epoch + 1) + "/" + (round + 1);
                        Ran ran = memory != null ? throughMemory(memory, epochJob, state, epoch, round)
                                : throughSpark(state, plan, shards, epoch, round, roundsPerEpoch, aggregation, clock,
                                        key);
                        RoundTotals totals = ran.totals();
                        Averaged averaged = Averaged.of(totals, state);
                        long averagedAt = System.nanoTime();
                        RoundRecord record = memory == null ? averaged.record(epoch + 1, round + 1)
                                : averaged.record(epoch + 1, round + 1).withCost(memoryCost(memory, ran, averagedAt));
                        if (memory == null) {
                            pending.add(new PendingCost(p.rounds.size(), key, ran.sentNanos() - ran.startedNanos(),
                                    ran.receivedNanos() - ran.sentNanos(), averagedAt - ran.receivedNanos(),
                                    averagedAt - ran.startedNanos(), totals.workers()));
                        }
                        p.guard = guarded(() -> p.guard.after(record, config.divergence(), spec.classes(),
                                totals.workers(), averaged.state().params(), hints));
                        state = averaged.state();
                        p.rounds.add(record);
                        progress.round(record, roundsPerEpoch);
                        epochLoss = epochLoss.merge(averaged.loss());
                        if (checkpoints.everyRounds() > 0 && p.rounds.size() % checkpoints.everyRounds() == 0
                                && round + 1 < roundsPerEpoch) {
                            checkpoint(p.snapshot(identity, state, epoch, round + 1, epochLoss,
                                    secondsBefore + (System.nanoTime() - epochStart) / 1e9));
                        }
                    }
                } catch (RuntimeException | Error e) {
                    if (epochJob != null) {
                        memory.fail(e);
                        epochJob.cancel(true);
                    }
                    throw e;
                }
                if (epochJob != null) {
                    finish(epochJob);
                }
                double epochSeconds = secondsBefore + (System.nanoTime() - epochStart) / 1e9;
                long deadline = System.nanoTime() + 2_000_000_000L;
                for (PendingCost c : pending) {
                    p.rounds.set(c.index(), p.rounds.get(c.index()).withCost(clock.cost(c.key(), c.broadcastNanos(),
                            c.jobNanos(), c.averagingNanos(), c.totalNanos(), c.workers(), deadline)));
                }
                pending.clear();
                p.trainSeconds += epochSeconds;
                p.trainExamples += epochLoss.weight();

                long evalStart = System.nanoTime();
                if (testParts.isPresent()) {
                    sc.setJobDescription(String.format("%s: test evaluation after epoch %d/%d", spec.name(), epoch + 1,
                            config.epochs()));
                    Evaluated evaluated = evaluate(testParts.get(), state.withEpoch(epoch + 1));
                    p.test = evaluated.evaluation();
                    p.misclassified = java.util.Optional.of(evaluated.misclassified());
                }
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                EpochRecord epochRecord = new EpochRecord(epoch + 1, epochLoss.mean(), p.test.meanLoss(),
                        p.test.accuracy(), epochSeconds, evalSeconds);
                p.epochs.add(epochRecord);
                progress.epoch(epochRecord);
                LOG.info("epoch {}: train loss {}, test loss {}, test accuracy {} ({} s training, {} examples/s)",
                        epoch + 1, String.format("%.4f", epochLoss.mean()), String.format("%.4f", p.test.meanLoss()),
                        String.format("%.4f", p.test.accuracy()), String.format("%.1f", epochSeconds),
                        String.format("%.0f", epochLoss.weight() / epochSeconds));
                if (checkpoints.store() != null) {
                    checkpoint(p.snapshot(identity, state, epoch + 1, 0, LossSum.ZERO, 0));
                }
            }
        } finally {
            if (memory != null) {
                memory.close();
            }
        }
        sc.setJobDescription(null);
        // Saved with the epochs done, so that an epoch-scheduled learning rate resumes where it stopped.
        WorkerRound.apply(state.withEpoch(config.epochs()), net);
        return new TrainingResult(net, p.rounds, p.epochs, p.test, p.trainExamples, p.trainSeconds,
                List.copyOf(kernels)).withMisclassified(p.misclassified);
    }

    /**
     * A round's combined results and when it started, when its state was out (broadcast, or published) and when the
     * workers' results were in.
     */
    private record Ran(RoundTotals totals, long startedNanos, long sentNanos, long receivedNanos) {
    }

    /** One round as one Spark job: the state in a broadcast, the updates back as task results. */
    private Ran throughSpark(ModelState state, ShardPlan plan, JavaRDD<Examples> shards, int epoch, int round,
                             int roundsPerEpoch, TrainingConfig.Aggregation aggregation, RoundClock clock,
                             String key) {
        long started = System.nanoTime();
        Broadcast<ModelState> broadcast = sc.broadcast(state);
        long sent = System.nanoTime();
        // Names the Spark job, so that the Spark UI shows where training is.
        sc.setJobDescription(String.format("%s: epoch %d/%d, round %d/%d", spec.name(), epoch + 1, config.epochs(),
                round + 1, roundsPerEpoch));
        clock.tag(key);
        try {
            RoundTotals totals = RoundTotals.combine(shards.mapPartitionsWithIndex(new FitRound(broadcast, plan,
                    epoch, round, config.averagingFrequency(), config.seed()), true), aggregation);
            return new Ran(totals, started, sent, System.nanoTime());
        } finally {
            clock.untag();
            broadcast.destroy();
        }
    }

    /** One round through memory: the state published to the epoch job's tasks, their updates taken back. */
    private static Ran throughMemory(MemoryRounds memory, JavaFutureAction<List<Integer>> epochJob,
                                     ModelState state, int epoch, int round) {
        long started = System.nanoTime();
        memory.publish(epoch, round, state);
        long sent = System.nanoTime();
        List<WorkerUpdate> updates = memory.await(epochJob);
        long received = System.nanoTime();
        return new Ran(RoundTotals.of(updates), started, sent, received);
    }

    /**
     * The aggregation this run uses: the configured one, or for {@code auto} memory on a local master with a task
     * slot per worker, driver on a local master without, sharded on a cluster.
     *
     * @throws ConfigException when {@code memory} is asked for where it cannot run
     */
    private TrainingConfig.Aggregation aggregation(int workers) {
        int slots = sc.isLocal() ? localSlots(sc.master(), sc.getConf().getInt("spark.task.cpus", 1)) : 0;
        return switch (config.aggregation()) {
            case AUTO -> !sc.isLocal() ? TrainingConfig.Aggregation.SHARDED : slots >= workers
                    ? TrainingConfig.Aggregation.MEMORY : TrainingConfig.Aggregation.DRIVER;
            case MEMORY -> {
                if (slots < workers) {
                    throw new ConfigException("training.aggregation = memory needs Spark local mode with a task "
                            + "slot per worker (training.workers = " + workers + "); the master is " + sc.master()
                            + (sc.isLocal() ? " (" + slots + " slots)" : ""));
                }
                yield TrainingConfig.Aggregation.MEMORY;
            }
            default -> config.aggregation();
        };
    }

    /** Task slots of a local master ({@code local}, {@code local[N]}, {@code local[N, F]}, {@code local[*]}). */
    static int localSlots(String master, int cpusPerTask) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local(?:\\[\\s*(\\*|\\d+)\\s*(?:,.*)?\\])?")
                .matcher(master.trim());
        if (!m.matches()) {
            return 0;
        }
        int threads = m.group(1) == null ? 1 : m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors()
                : Integer.parseInt(m.group(1));
        return threads / Math.max(1, cpusPerTask);
    }

    /** Waits for an epoch's job through memory to end, rethrowing its failure. */
    private static void finish(JavaFutureAction<List<Integer>> epochJob) {
        try {
            epochJob.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the epoch's tasks ran", e);
        }
    }

    /**
     * A round's cost through memory, along the worker that finished last: scheduling is from the state's
     * publication to that worker taking it; there is no broadcast; result is the rest of its wait.
     */
    private static RoundCost memoryCost(MemoryRounds memory, Ran ran, long averagedAt) {
        double scheduling = 0;
        double compute = 0;
        double latest = -1;
        for (RoundTotals.WorkerReport w : ran.totals().workers()) {
            long[] times = memory.times(w.shard());
            double took = (times[1] - times[0]) / 1e9;
            if (took + w.fitSeconds() > latest) {
                latest = took + w.fitSeconds();
                scheduling = took;
                compute = w.fitSeconds();
            }
        }
        double total = (averagedAt - ran.startedNanos()) / 1e9;
        double averaging = (averagedAt - ran.receivedNanos()) / 1e9;
        return new RoundCost(scheduling, 0, compute, Math.max(0, total - scheduling - compute - averaging),
                averaging, total);
    }

    private void checkpoint(Checkpoint checkpoint) {
        if (checkpoints.store() == null) {
            return;
        }
        lastCheckpoint = checkpoints.store().write(checkpoint).toString();
        LOG.info("checkpoint {} ({} rounds done)", lastCheckpoint, checkpoint.roundsDone());
        progress.checkpointed(lastCheckpoint, checkpoint.roundsDone());
    }

    private String lastCheckpoint;

    /** Runs a divergence check; a failure names the last good checkpoint when there is one. */
    private DivergenceGuard guarded(java.util.function.Supplier<DivergenceGuard> check) {
        try {
            return check.get();
        } catch (TrainingDivergedException e) {
            String kept = lastCheckpoint != null ? lastCheckpoint
                    : checkpoints.resume() != null ? "the one this run resumed from" : null;
            throw kept == null ? e : e.withCheckpoint(kept);
        }
    }

    private String hints() {
        return "hints: lower training.learningRate (now " + config.updater().learningRate() + "), clip gradients "
                + "(training.clipping.kind = norm or value, now " + config.updater().clipping().kind().name()
                .toLowerCase(java.util.Locale.ROOT) + "), check the input's scaling and for NaN or huge values, or "
                + "average more often (training.averagingFrequency, now " + config.averagingFrequency() + ")";
    }

    /** The driver's running state: where the run is and what it has recorded. */
    private static final class Progress {
        float[] params;
        float[] updaterState;
        int iteration;
        int epoch;
        int nextRound;
        List<RoundRecord> rounds = new ArrayList<>();
        List<EpochRecord> epochs = new ArrayList<>();
        LossSum epochLoss = LossSum.ZERO;
        double epochSeconds;
        long trainExamples;
        double trainSeconds;
        Evaluation test = Evaluation.EMPTY;
        java.util.Optional<List<Misclassified>> misclassified = java.util.Optional.empty();
        DivergenceGuard guard = DivergenceGuard.START;

        /** A fresh run, or a warm start from {@code start}'s parameters, optimiser state and iteration count. */
        static Progress start(String json, MultiLayerNetwork net, MultiLayerNetwork start) {
            Progress p = new Progress();
            if (start != null) {
                net.setParams(start.params());
                float[] state = WorkerRound.updaterState(start);
                // Another optimiser (or none saved): its state does not carry over; the parameters do.
                if (state.length > 0 && state.length == WorkerRound.updaterState(net).length) {
                    net.getUpdater().getStateViewArray().assign(Nd4j.create(state));
                }
                p.iteration = start.getLayerWiseConfigurations().getIterationCount();
            }
            p.params = net.params().toFloatVector();
            p.updaterState = WorkerRound.updaterState(net);
            return p;
        }

        static Progress from(Checkpoint c) {
            Progress p = new Progress();
            p.params = c.params();
            p.updaterState = c.updaterState();
            p.iteration = c.iteration();
            p.epoch = c.epoch();
            p.nextRound = c.nextRound();
            p.rounds.addAll(c.rounds());
            p.epochs.addAll(c.epochs());
            p.epochLoss = c.epochLoss();
            p.epochSeconds = c.epochSeconds();
            p.trainExamples = c.trainExamples();
            p.trainSeconds = c.trainSeconds();
            p.test = c.test();
            p.guard = c.guard();
            return p;
        }

        Checkpoint snapshot(Checkpoint.Identity identity, ModelState state, int atEpoch, int atRound,
                            LossSum loss, double seconds) {
            return new Checkpoint(identity, state.params(), state.updaterState(), state.iteration(), atEpoch, atRound,
                    List.copyOf(rounds), List.copyOf(epochs), loss, seconds, trainExamples, trainSeconds, test, guard);
        }
    }

    /**
     * Evaluates {@code state} on the test parts, merged in part order, and keeps the first
     * {@value #MISCLASSIFIED_KEPT} misclassified examples of the split (parts hold consecutive slices of it).
     */
    private Evaluated evaluate(JavaRDD<Examples> testParts, ModelState state) {
        Broadcast<ModelState> broadcast = sc.broadcast(state);
        try {
            List<EvaluatedPart> parts = new ArrayList<>(testParts.mapPartitionsWithIndex(
                    new EvaluateKeeping(broadcast, config.evalBatchSize(), MISCLASSIFIED_KEPT), true).collect());
            parts.sort(java.util.Comparator.comparingInt(EvaluatedPart::part));
            Evaluation total = Evaluation.EMPTY;
            List<Misclassified> wrong = new ArrayList<>();
            for (EvaluatedPart part : parts) {
                long before = total.examples();
                for (Misclassified m : part.wrong()) {
                    if (wrong.size() < MISCLASSIFIED_KEPT) {
                        wrong.add(m.shifted(before));
                    }
                }
                total = total.merge(part.evaluation());
            }
            return new Evaluated(total, List.copyOf(wrong));
        } finally {
            broadcast.destroy();
        }
    }

    /** How many misclassified test examples an evaluation keeps (the report shows them). */
    static final int MISCLASSIFIED_KEPT = 32;

    /** An evaluation and the first misclassified examples it met. */
    private record Evaluated(Evaluation evaluation, List<Misclassified> misclassified) {
    }

    /** One test part's evaluation and its first misclassified examples (indices within the part). */
    record EvaluatedPart(int part, Evaluation evaluation, List<Misclassified> wrong)
            implements java.io.Serializable {
    }

    /** The new state and the round's record. */
    private record Averaged(ModelState state, LossSum loss, List<RoundRecord.Worker> workers) {
        /**
         * The state after {@code totals}: the averaged parameters and optimiser state, the iteration count advanced
         * by the most optimiser steps any worker took, as it would be in one process.
         */
        static Averaged of(RoundTotals totals, ModelState previous) {
            ModelState next = new ModelState(previous.configurationJson(), totals.params(), totals.updaterState(),
                    previous.iteration() + totals.iterations(), previous.epoch());
            return new Averaged(next, totals.loss(),
                    totals.workers().stream().map(RoundTotals.WorkerReport::record).toList());
        }

        RoundRecord record(int epoch, int round) {
            return new RoundRecord(epoch, round, loss.weight(), loss.mean(), workers, MemoryUse.now());
        }
    }

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /**
     * The native stack of the executor holding one shard.
     *
     * @param shard the shard
     * @param executorId its executor
     * @param report what that JVM runs on, self-check included
     */
    public record ExecutorKernels(int shard, String executorId, NativeReport report) implements java.io.Serializable {
    }

    /** Executor side: inspects the JVM that holds a shard, before it trains. */
    private record Examine() implements Function2<Integer, Iterator<Examples>, Iterator<ExecutorKernels>> {
        @Override
        public Iterator<ExecutorKernels> call(Integer shard, Iterator<Examples> partition) {
            partition.next(); // runs where the cached shard is
            return Collections.singletonList(new ExecutorKernels(shard, WorkerRound.executorId(),
                    NativeReport.examine())).iterator();
        }
    }

    /**
     * The bytes each shard's load read (the last load of each, should one have been recomputed), logged; empty
     * when some shard's figure is missing.
     */
    private static List<Long> bytesRead(CollectionAccumulator<long[]> reads, int workers) {
        long[] bytes = new long[workers];
        Arrays.fill(bytes, -1);
        for (long[] r : reads.value()) {
            bytes[(int) r[0]] = r[1];
        }
        if (Arrays.stream(bytes).anyMatch(b -> b < 0)) {
            return List.of();
        }
        LOG.info("bytes read per shard: {} (total {})", Arrays.toString(bytes), Arrays.stream(bytes).sum());
        return Arrays.stream(bytes).boxed().toList();
    }

    /**
     * Executor side: loads the shard of partition {@code index}, the plan's ranges for it, reading only their bytes
     * where the source can, and records the bytes read in {@code reads} ({@code {shard, bytes}}).
     */
    private record LoadShard(ExampleSource source, Broadcast<SerializableHadoopConf> hadoop, ShardPlan plan,
                             CollectionAccumulator<long[]> reads)
            implements Function2<Integer, Iterator<Integer>, Iterator<Examples>> {
        @Override
        public Iterator<Examples> call(Integer index, Iterator<Integer> ignored) {
            long before = DataAccess.threadBytesRead();
            IndexRanges ranges = plan.ranges(index);
            Examples mine = source.load(Split.TRAIN, ranges, hadoop.value().get());
            long bytes = DataAccess.threadBytesRead() - before;
            LOG.info("shard {}: {} examples in {} ranges loaded, {} bytes read", index, mine.size(), ranges.count(),
                    bytes);
            reads.add(new long[] {index, bytes});
            return Collections.singletonList(mine).iterator();
        }
    }

    /** Executor side: loads a contiguous slice of the test split, reading only its bytes where the source can. */
    record LoadTestPart(ExampleSource source, Broadcast<SerializableHadoopConf> hadoop, int testSize,
                                int parts)
            implements Function2<Integer, Iterator<Integer>, Iterator<Examples>> {
        @Override
        public Iterator<Examples> call(Integer index, Iterator<Integer> ignored) {
            int from = (int) ((long) testSize * index / parts);
            int to = (int) ((long) testSize * (index + 1) / parts);
            return Collections.singletonList(source.load(Split.TEST, IndexRanges.of(from, to), hadoop.value().get()))
                    .iterator();
        }
    }

    /** Executor side: one worker's part of one round. */
    private record FitRound(Broadcast<ModelState> broadcast, ShardPlan plan, int epoch, int round, int frequency,
                            long seed) implements Function2<Integer, Iterator<Examples>, Iterator<WorkerUpdate>> {
        @Override
        public Iterator<WorkerUpdate> call(Integer shardIndex, Iterator<Examples> partition) {
            Examples shard = partition.next();
            long reading = System.nanoTime();
            ModelState state = broadcast.value();
            double readSeconds = (System.nanoTime() - reading) / 1e9;
            NativeThreads.alignCallingThread();
            MultiLayerNetwork net = NetworkCache.borrow(state.configurationJson());
            try {
                return Collections.singletonList(WorkerRound.fit(state, readSeconds, net, shard, plan, shardIndex,
                        epoch, round, frequency, seed)).iterator();
            } finally {
                NetworkCache.giveBack(state.configurationJson(), net);
            }
        }
    }

    /** Executor side: cross-entropy and accuracy of the broadcast parameters on one test partition. */
    record Evaluate(Broadcast<ModelState> broadcast, int batchSize)
            implements FlatMapFunction<Iterator<Examples>, Evaluation> {

        @Override
        public Iterator<Evaluation> call(Iterator<Examples> partition) {
            return Collections.singletonList(evaluatePart(0, partition.next(), broadcast.value(), batchSize, 0)
                    .evaluation()).iterator();
        }
    }

    /** Executor side: as {@link Evaluate}, keeping the part's first {@code keep} misclassified examples too. */
    private record EvaluateKeeping(Broadcast<ModelState> broadcast, int batchSize, int keep)
            implements Function2<Integer, Iterator<Examples>, Iterator<EvaluatedPart>> {

        @Override
        public Iterator<EvaluatedPart> call(Integer index, Iterator<Examples> partition) {
            return Collections.singletonList(evaluatePart(index, partition.next(), broadcast.value(), batchSize,
                    keep)).iterator();
        }
    }

    private static EvaluatedPart evaluatePart(int index, Examples part, ModelState state, int batchSize, int keep) {
        NativeThreads.alignCallingThread();
        MultiLayerNetwork net = NetworkCache.borrow(state.configurationJson());
        try {
            WorkerRound.apply(state, net);
            int[] order = IntStream.range(0, part.size()).toArray();
            Evaluation total = Evaluation.EMPTY;
            List<Misclassified> wrong = new ArrayList<>();
            for (int from = 0; from < part.size(); from += batchSize) {
                int to = Math.min(from + batchSize, part.size());
                DataSet batch = part.minibatch(order, from, to);
                INDArray out = net.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                        batch.getLabelsMaskArray());
                total = total.merge(Targets.evaluate(out, batch.getLabels(), batch.getLabelsMaskArray()));
                wrong.addAll(Misclassified.among(out, batch.getLabels(), batch.getFeatures(), from,
                        keep - wrong.size()));
            }
            net.clear();
            return new EvaluatedPart(index, total, wrong);
        } finally {
            NetworkCache.giveBack(state.configurationJson(), net);
        }
    }
}
