package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparktrain.TestData;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** Appending examples (replayed data after new data): the result is the two sets one after the other. */
class ConcatTest {

    @Test
    void imagesAppendInOrder() {
        ExampleSet a = TestData.images(5, 3, 4, 1);
        ExampleSet b = TestData.images(4, 3, 4, 2);
        ExampleSet both = a.concat(b);
        assertEquals(9, both.size());
        DataSet all = both.minibatch(IntStream.range(0, 9).toArray(), 0, 9);
        assertArrayEquals(a.toDataSet().getFeatures().dup('c').data().asFloat(),
                all.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)).dup('c').data().asFloat());
        assertArrayEquals(b.toDataSet().getLabels().dup('c').data().asFloat(),
                all.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 9)).dup('c').data().asFloat());
        assertThrows(IllegalArgumentException.class, () -> a.concat(TestData.images(2, 3, 5, 3)));
    }

    @Test
    void sequencesOfDifferentLengthsAppendWithTheirStepsAndLabels() {
        // Two sequences (2 and 3 steps) then one (1 step), one value per step, a label per step.
        SequenceSet a = SequenceSet.dense(new float[] {1, 2, 3, 4, 5}, 1, new int[] {0, 2, 5}, new int[] {0, 1, 2, 0, 1},
                SequenceSet.Labels.PER_STEP, 3);
        SequenceSet b = SequenceSet.dense(new float[] {6}, 1, new int[] {0, 1}, new int[] {2},
                SequenceSet.Labels.PER_STEP, 3);
        SequenceSet both = a.concat(b);
        assertEquals(3, both.size());
        assertEquals(2, both.length(0));
        assertEquals(3, both.length(1));
        assertEquals(1, both.length(2));
        assertEquals(6L, both.totalSteps());
        DataSet last = both.minibatch(new int[] {2}, 0, 1);
        assertEquals(6f, last.getFeatures().getFloat(0), 0f);
        assertEquals(1f, last.getLabels().getFloat(new long[] {0, 2, 0}), 0f);
        assertThrows(IllegalArgumentException.class, () -> a.concat(SequenceSet.dense(new float[] {1, 2}, 2,
                new int[] {0, 1}, new int[] {0}, SequenceSet.Labels.PER_SEQUENCE, 3)));
    }
}
