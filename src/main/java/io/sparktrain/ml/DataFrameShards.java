package io.sparktrain.ml;

import io.sparktrain.data.Examples;
import io.sparktrain.data.ShardPlan;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.PairFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * A DataFrame's rows cut into the trainer's shards: row {@code i} (its position in the DataFrame) goes to the shard
 * and position that {@link ShardPlan#shardIndices} give it, so shard {@code s} holds exactly the rows
 * {@code shardIndices(s)} names, in that order, as the trainer's own loaders cut a file source. The rows move
 * between executors once (a shuffle keyed by shard); the driver holds two ints per row, never the rows.
 */
final class DataFrameShards {

    private DataFrameShards() {
    }

    /**
     * @param rows the features column first, the label column second; already checked (no null label, whole
     *     numbers in [0, classes), features of the right length)
     * @param n the number of rows
     * @param plan the trainer's plan for {@code n} examples
     * @param reader reads a row's features
     * @return one partition per shard, one {@code Examples} each
     */
    static JavaRDD<Examples> of(Dataset<Row> rows, int n, ShardPlan plan, FeatureRows reader, int classes) {
        int[] shardOf = new int[n];
        int[] positionOf = new int[n];
        for (int s = 0; s < plan.shards(); s++) {
            int[] indices = plan.shardIndices(s);
            for (int k = 0; k < indices.length; k++) {
                shardOf[indices[k]] = s;
                positionOf[indices[k]] = k;
            }
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext());
        Broadcast<int[][]> places = sc.broadcast(new int[][] {shardOf, positionOf});
        return rows.javaRDD().zipWithIndex()
                .mapToPair(new Place(places, reader, classes))
                .partitionBy(new HashPartitioner(plan.shards())) // an int key k goes to partition k
                .mapPartitionsWithIndex(new Assemble(plan, reader, classes), true);
    }

    /** One row on its way to its shard. */
    private record Placed(int position, float[] features, int label) implements Serializable {
    }

    /** Executor side: reads row {@code i} and names its shard and its position there. */
    private record Place(Broadcast<int[][]> places, FeatureRows reader, int classes)
            implements PairFunction<Tuple2<Row, Long>, Integer, Placed> {
        @Override
        public Tuple2<Integer, Placed> call(Tuple2<Row, Long> indexed) {
            int i = Math.toIntExact(indexed._2());
            Row row = indexed._1();
            String where = "row " + i;
            float[] features = new float[reader.shape().length()];
            reader.read(row, 0, where, features, 0);
            double label = ((Number) row.get(1)).doubleValue();
            if (label < 0 || label >= classes || label != Math.rint(label)) {
                throw new IllegalArgumentException("labelCol holds " + label + " in " + where + "; labels are whole "
                        + "numbers in [0, " + classes + ")");
            }
            int[][] p = places.value();
            return new Tuple2<>(p[0][i], new Placed(p[1][i], features, (int) label));
        }
    }

    /** Executor side: puts a shard's rows in the plan's order. */
    private record Assemble(ShardPlan plan, FeatureRows reader, int classes)
            implements Function2<Integer, Iterator<Tuple2<Integer, Placed>>, Iterator<Examples>> {
        @Override
        public Iterator<Examples> call(Integer shard, Iterator<Tuple2<Integer, Placed>> rows) {
            int length = reader.shape().length();
            int size = plan.shardSize(shard);
            float[] features = new float[size * length];
            int[] labels = new int[size];
            int count = 0;
            while (rows.hasNext()) {
                Tuple2<Integer, Placed> t = rows.next();
                if (t._1() != shard.intValue()) {
                    throw new IllegalStateException("a row of shard " + t._1() + " reached partition " + shard);
                }
                Placed r = t._2();
                System.arraycopy(r.features(), 0, features, r.position() * length, length);
                labels[r.position()] = r.label();
                count++;
            }
            if (count != size) {
                throw new IllegalStateException("shard " + shard + " received " + count + " rows, the plan gives it "
                        + size);
            }
            return List.of(reader.shape().examples(features, labels, classes)).iterator();
        }
    }
}
