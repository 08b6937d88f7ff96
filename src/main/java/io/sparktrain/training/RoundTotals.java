package io.sparktrain.training;

import io.sparktrain.config.TrainingConfig.Aggregation;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import scala.Tuple2;

/**
 * One round's outcome as the driver needs it: the workers' parameters and optimiser state averaged (each weighted by
 * the targets it fitted), the summed loss, the most optimiser steps any worker took, and each worker's small report.
 *
 * <p>Two ways to get there ({@code training.aggregation}), with bitwise the same result (the weighted sums run in double, worker by worker in shard
 * order, and are divided once):
 * <ul>
 *   <li>{@link Aggregation#DRIVER}: every worker's full parameters and optimiser state come to the driver, which
 *       averages them: workers x (parameters + state) floats per round. Cheapest with a few workers in one JVM
 *       (local mode), where nothing crosses a network.</li>
 *   <li>{@link Aggregation#SHARDED}: a sharded all-reduce through Spark's shuffle. Each worker cuts its arrays into
 *       one slice per worker; the task for slice k receives slice k from every worker and averages it; the driver
 *       collects the averaged slices. The driver receives parameters + state floats per round whatever the worker
 *       count, and each executor sends and receives about as much; the cost is a second stage per round.</li>
 * </ul>
 *
 * @param params the averaged parameters
 * @param updaterState the averaged optimiser state
 * @param loss the round's loss over all workers' targets
 * @param iterations the most optimiser steps any worker took
 * @param workers the report of each worker that had a minibatch, in shard order
 */
record RoundTotals(float[] params, float[] updaterState, LossSum loss, int iterations, List<WorkerReport> workers) {

    /**
     * What the driver learns of one worker besides its arrays.
     *
     * @param shard the shard it trained on
     * @param executorId the executor that ran it
     * @param loss its loss sum and targets
     * @param minibatches minibatches it fitted
     * @param iterations optimiser steps it took
     * @param fitSeconds wall time spent fitting
     * @param readSeconds wall time its read of the round's broadcast took
     * @param memory the executor's memory after fitting
     * @param nonFiniteParam the index of its first non-finite parameter, -1 when all are finite
     * @param nonFiniteValue that parameter's value
     */
    record WorkerReport(int shard, String executorId, LossSum loss, int minibatches, int iterations,
                        double fitSeconds, double readSeconds, MemoryUse memory, int nonFiniteParam, float nonFiniteValue)
            implements Serializable {

        static WorkerReport of(WorkerUpdate u) {
            int bad = DivergenceGuard.firstNonFinite(u.params());
            return new WorkerReport(u.shard(), u.executorId(), u.loss(), u.minibatches(), u.iterations(),
                    u.fitSeconds(), u.readSeconds(), u.memory(), bad, bad < 0 ? 0 : u.params()[bad]);
        }

        RoundRecord.Worker record() {
            return new RoundRecord.Worker(shard, executorId, loss.weight(), loss.mean(), minibatches, fitSeconds,
                    readSeconds, memory);
        }
    }

    /**
     * The round of {@code fitted} (one {@link WorkerUpdate} per partition), combined the {@code way} given
     * ({@link Aggregation#DRIVER} or {@link Aggregation#SHARDED}).
     */
    static RoundTotals combine(JavaRDD<WorkerUpdate> fitted, Aggregation way) {
        if (way == Aggregation.AUTO) {
            throw new IllegalArgumentException("resolve training.aggregation = auto first");
        }
        if (way == Aggregation.MEMORY) {
            throw new IllegalArgumentException("memory aggregation combines with of(updates), not a job");
        }
        return ofSlices(way == Aggregation.DRIVER
                ? List.of(Slice.average(0, fitted.map(Piece::whole).collect()))
                : fitted.flatMapToPair(new Cut(fitted.getNumPartitions())).groupByKey(fitted.getNumPartitions())
                        .map(new AverageSlice()).collect());
    }

    /** The round of {@code updates} (one per worker), averaged here exactly as {@link Aggregation#DRIVER} does. */
    static RoundTotals of(List<WorkerUpdate> updates) {
        return ofSlices(List.of(Slice.average(0, updates.stream().map(Piece::whole).toList())));
    }

    private static RoundTotals ofSlices(List<Slice> slices) {
        List<Slice> ordered = new ArrayList<>(slices);
        ordered.sort(Comparator.comparingInt(Slice::index));
        List<WorkerReport> workers = ordered.get(0).workers();
        if (workers.isEmpty()) {
            throw new IllegalStateException("no worker had a minibatch in this round");
        }
        LossSum loss = LossSum.ZERO;
        int iterations = 0;
        for (WorkerReport w : workers) {
            loss = loss.merge(w.loss());
            iterations = Math.max(iterations, w.iterations());
        }
        return new RoundTotals(concat(ordered, true), concat(ordered, false), loss, iterations, workers);
    }

    private static float[] concat(List<Slice> slices, boolean params) {
        int n = slices.stream().mapToInt(s -> (params ? s.params() : s.updaterState()).length).sum();
        float[] out = new float[n];
        int at = 0;
        for (Slice s : slices) {
            float[] part = params ? s.params() : s.updaterState();
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    /**
     * One worker's share of one slice: its weight (targets fitted), its parameters and optimiser state in the slice,
     * and, in slice 0 only, its report. Workers without a minibatch this round send their report with weight 0.
     */
    record Piece(int shard, long weight, float[] params, float[] updaterState, WorkerReport report)
            implements Serializable {

        static Piece whole(WorkerUpdate u) {
            return new Piece(u.shard(), u.loss().weight(), u.params(), u.updaterState(), WorkerReport.of(u));
        }
    }

    /**
     * An averaged slice: parameters and optimiser state of slice {@code index}, and (slice 0) the workers' reports.
     */
    record Slice(int index, float[] params, float[] updaterState, List<WorkerReport> workers)
            implements Serializable {

        /**
         * The weighted average of {@code pieces}, summed in double in shard order so that the result does not
         * depend on the order the pieces arrived in.
         */
        static Slice average(int index, Iterable<Piece> pieces) {
            List<Piece> fitted = new ArrayList<>();
            for (Piece p : pieces) {
                if (p.weight() > 0) {
                    fitted.add(p);
                }
            }
            fitted.sort(Comparator.comparingInt(Piece::shard));
            List<WorkerReport> workers = fitted.stream().map(Piece::report).filter(r -> r != null).toList();
            if (fitted.isEmpty()) {
                return new Slice(index, new float[0], new float[0], workers);
            }
            long total = fitted.stream().mapToLong(Piece::weight).sum();
            return new Slice(index, mean(fitted, total, true), mean(fitted, total, false), workers);
        }

        private static float[] mean(List<Piece> pieces, long total, boolean params) {
            double[] sum = new double[(params ? pieces.get(0).params() : pieces.get(0).updaterState()).length];
            for (Piece p : pieces) {
                float[] values = params ? p.params() : p.updaterState();
                double w = p.weight();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += w * values[i];
                }
            }
            float[] out = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                out[i] = (float) (sum[i] / total);
            }
            return out;
        }
    }

    /** Executor side: cuts one worker's result into {@code slices} contiguous slices, keyed by slice. */
    private record Cut(int slices) implements PairFlatMapFunction<WorkerUpdate, Integer, Piece> {
        @Override
        public java.util.Iterator<Tuple2<Integer, Piece>> call(WorkerUpdate u) {
            List<Tuple2<Integer, Piece>> out = new ArrayList<>(slices);
            WorkerReport report = WorkerReport.of(u);
            for (int k = 0; k < slices; k++) {
                out.add(new Tuple2<>(k, new Piece(u.shard(), u.loss().weight(), slice(u.params(), k),
                        slice(u.updaterState(), k), k == 0 ? report : null)));
            }
            return out.iterator();
        }

        private float[] slice(float[] values, int k) {
            int from = (int) ((long) values.length * k / slices);
            int to = (int) ((long) values.length * (k + 1) / slices);
            return java.util.Arrays.copyOfRange(values, from, to);
        }
    }

    /** Executor side: averages one slice over the workers. */
    private record AverageSlice() implements Function<Tuple2<Integer, Iterable<Piece>>, Slice> {
        @Override
        public Slice call(Tuple2<Integer, Iterable<Piece>> slice) {
            return Slice.average(slice._1(), slice._2());
        }
    }
}
