package io.sparktrain.training;

import io.sparktrain.data.Examples;
import io.sparktrain.data.ShardPlan;
import io.sparktrain.nn.NativeThreads;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.spark.api.java.function.Function2;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Rounds through the driver's memory ({@code training.aggregation = memory}), for local mode, where the executor is
 * the driver's own JVM. One Spark job per epoch runs one task per shard, all at once; each task fits round after
 * round, taking each round's state from this exchange and leaving its update here, while the driver's thread
 * averages exactly as {@link RoundTotals} does for {@code driver} aggregation. So a round costs no Spark job, no
 * broadcast and no serialised result: the same arithmetic, bitwise the same parameters, without the tens of
 * milliseconds each of those costs per round.
 *
 * <p>Only one JVM can hold an exchange: tasks find it by id in a static map, so an executor in another JVM would not
 * find it and fails the job with a message saying so.
 */
final class MemoryRounds implements AutoCloseable {
    private static final Map<String, MemoryRounds> OPEN = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final int workers;
    private long published = -1; // the (epoch, round) key whose state is out
    private ModelState state;
    private long publishedNanos;
    private final WorkerUpdate[] updates;
    private final long[] takenNanos;
    private int received;
    private Throwable failure;

    private MemoryRounds(int workers) {
        this.workers = workers;
        this.updates = new WorkerUpdate[workers];
        this.takenNanos = new long[workers];
    }

    /** A new exchange for {@code workers} shards, open until {@link #close()}. */
    static MemoryRounds open(int workers) {
        MemoryRounds rounds = new MemoryRounds(workers);
        OPEN.put(rounds.id, rounds);
        return rounds;
    }

    /** The task body of one epoch: every round from {@code firstRound} on, through this exchange. */
    Function2<Integer, Iterator<Examples>, Iterator<Integer>> epoch(ShardPlan plan, int epoch, int firstRound,
                                                                    int rounds, int frequency, long seed) {
        return new FitEpoch(id, plan, epoch, firstRound, rounds, frequency, seed);
    }

    private static long key(int epoch, int round) {
        return ((long) epoch << 32) | round;
    }

    /** Driver side: hands out round {@code round} of {@code epoch}'s starting state. */
    synchronized void publish(int epoch, int round, ModelState next) {
        Arrays.fill(updates, null);
        received = 0;
        state = next;
        published = key(epoch, round);
        publishedNanos = System.nanoTime();
        notifyAll();
    }

    /**
     * Driver side: every worker's update for the published round, in shard order, waiting for them while
     * {@code job} (the epoch's tasks) runs.
     *
     * @throws RuntimeException what a task failed with, or the job's failure
     */
    List<WorkerUpdate> await(Future<?> job) {
        synchronized (this) {
            while (received < workers && failure == null && !job.isDone()) {
                try {
                    wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the workers", e);
                }
            }
            if (failure == null && received == workers) {
                return List.of(updates.clone());
            }
        }
        throw failed(job);
    }

    /** What stopped the round: the failure a task left here, else the job's. */
    private RuntimeException failed(Future<?> job) {
        Throwable cause;
        synchronized (this) {
            cause = failure;
        }
        if (cause == null) {
            try {
                job.get();
                cause = new IllegalStateException("the epoch's tasks ended before every worker sent its update");
            } catch (ExecutionException e) {
                cause = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cause = e;
            }
        }
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause.toString(), cause);
    }

    /** When worker {@code shard} took the published round's state (System.nanoTime), and when it was published. */
    synchronized long[] times(int shard) {
        return new long[] {publishedNanos, takenNanos[shard]};
    }

    /**
     * Executor side: the state of round {@code round} of {@code epoch}, once the driver has published it, or null
     * when the run was stopped (by the driver, or by another worker's failure, which fails the job itself).
     */
    private synchronized ModelState take(int shard, int epoch, int round) throws InterruptedException {
        long wanted = key(epoch, round);
        while (published != wanted && failure == null) {
            wait();
        }
        if (failure != null) {
            return null;
        }
        takenNanos[shard] = System.nanoTime();
        return state;
    }

    private synchronized void deliver(WorkerUpdate update) {
        updates[update.shard()] = update;
        received++;
        notifyAll();
    }

    /** Stops every waiting worker and the driver with {@code cause} (the first one kept). */
    synchronized void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        notifyAll();
    }

    @Override
    public void close() {
        fail(new IllegalStateException("the exchange is closed"));
        OPEN.remove(id);
    }

    /** Executor side: one shard's epoch, round after round. */
    private record FitEpoch(String id, ShardPlan plan, int epoch, int firstRound, int rounds, int frequency,
                            long seed) implements Function2<Integer, Iterator<Examples>, Iterator<Integer>> {
        @Override
        public Iterator<Integer> call(Integer shardIndex, Iterator<Examples> partition) throws Exception {
            MemoryRounds exchange = OPEN.get(id);
            if (exchange == null) {
                throw new IllegalStateException("training.aggregation = memory needs the executors in the driver's "
                        + "JVM (Spark local mode); this task runs on executor " + WorkerRound.executorId());
            }
            Examples shard = partition.next();
            NativeThreads.alignCallingThread();
            MultiLayerNetwork net = null;
            String json = null;
            try {
                for (int round = firstRound; round < rounds; round++) {
                    ModelState state = exchange.take(shardIndex, epoch, round);
                    if (state == null) {
                        break; // stopped: the driver has the reason
                    }
                    if (net == null) {
                        json = state.configurationJson();
                        net = NetworkCache.borrow(json);
                    }
                    exchange.deliver(WorkerRound.fit(state, 0, net, shard, plan, shardIndex, epoch, round,
                            frequency, seed));
                }
            } catch (Throwable t) {
                exchange.fail(t);
                throw t;
            } finally {
                if (net != null) {
                    NetworkCache.giveBack(json, net);
                }
            }
            return Collections.singletonList(rounds - firstRound).iterator();
        }
    }
}
