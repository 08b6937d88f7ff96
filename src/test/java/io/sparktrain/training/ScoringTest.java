package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.PredictionInput;
import io.sparktrain.data.Split;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Prediction on the executors: every input once, in order, with the network's own outputs, whatever serialiser. */
class ScoringTest {
    private static final NetworkSpec SPEC = new NetworkSpec("test-cnn", Shape.map(1, 8, 8), List.of(
            LayerSpec.Conv.of(4, 3).withPadding(Padding.of(1, 1)), LayerSpec.Pool.of(true, 2),
            new LayerSpec.Output()), 4);

    @TempDir
    Path tmp;

    @Test
    void predictionsComeInInputOrderWithTheNetworksOutputsUnderJavaAndKryo() throws IOException {
        // Under Kryo, records need the registrator's Java serialisation (a real cluster found the gap).
        ExampleSet images = TestData.images(57, 4, 8, 5);
        TestData.writeIdx(tmp, Split.TEST, images);
        MultiLayerNetwork net = NetworkFactory.network(SPEC, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0), 3);
        // The images as the IDX file holds them (bytes), not the floats they were written from.
        ExampleSet stored = io.sparktrain.data.MnistData.load(tmp.toUri().toString(), Split.TEST, 0, new Configuration());
        INDArray expected = net.output(stored.minibatch(IntStream.range(0, 57).toArray(), 0, 57).getFeatures());
        PredictionInput input = PredictionInput.IdxImages.open(tmp.resolve("t10k-images-idx3-ubyte").toUri()
                .toString(), 4, null, new Configuration());
        SparkConf java = SparkTestContext.conf("local[2]");
        SparkConf kryo = SparkTestContext.conf("local[2]")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", KryoRegistrator.class.getName());
        List<List<Scoring.Prediction>> results = new java.util.ArrayList<>();
        for (SparkConf conf : List.of(java, kryo)) {
            try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                // Five parts of 11 or 12 images, minibatches of 5: part and minibatch edges both cut the data.
                List<Scoring.Prediction> rows = Scoring.predict(sc, input, 5, net, 5).collect();
                results.add(rows);
                assertEquals(57, rows.size());
                for (int i = 0; i < 57; i++) {
                    Scoring.Prediction p = rows.get(i);
                    assertEquals(String.valueOf(i), p.id());
                    float[] want = expected.getRow(i).toFloatVector();
                    assertArrayEquals(want, p.probabilities(), 1e-6f, "row " + i);
                    assertEquals(expected.getRow(i).argMax().getInt(0), p.predicted());
                }
            }
        }
        for (int i = 0; i < 57; i++) {
            assertArrayEquals(results.get(0).get(i).probabilities(), results.get(1).get(i).probabilities(),
                    "Java and Kryo carry the same rows");
        }
    }
}
