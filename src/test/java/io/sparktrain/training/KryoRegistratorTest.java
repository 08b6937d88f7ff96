package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** What goes through Spark under Kryo with sparktrain's registrator comes back equal, records included. */
class KryoRegistratorTest {

    /** A record the registrator does not list, as a new task result would be. */
    record Unlisted(int part, float[] values, List<String> names) implements Serializable {
    }

    private static SerializerInstance kryo() {
        return new KryoSerializer(new SparkConf().set("spark.kryo.registrator", KryoRegistrator.class.getName()))
                .newInstance();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(SerializerInstance kryo, T value) {
        return (T) kryo.deserialize(kryo.serialize(value, ClassTag$.MODULE$.Any()), ClassTag$.MODULE$.Any());
    }

    @Test
    void aRecordNotRegisteredComesBackEqual() {
        Unlisted sent = new Unlisted(3, new float[] {1.5f, -2f}, List.of("a", "b"));
        Unlisted got = roundTrip(kryo(), sent);
        assertEquals(sent.part(), got.part());
        assertArrayEquals(sent.values(), got.values());
        assertEquals(sent.names(), got.names());
    }

    @Test
    void registeredRecordsComeBackEqual() {
        Misclassified sent = new Misclassified(7, 3, 5, new float[] {0.25f, 0.5f}, new int[] {1, 2});
        Misclassified got = roundTrip(kryo(), sent);
        assertEquals(sent.index(), got.index());
        assertEquals(sent.predicted(), got.predicted());
        assertArrayEquals(sent.features(), got.features());
        assertArrayEquals(sent.shape(), got.shape());
    }
}
