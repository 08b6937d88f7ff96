package io.sparktrain.data;

import java.io.Serializable;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A block of labelled examples as plain Java arrays (cheap to serialise between Spark executors, no native memory
 * until a minibatch is made): images ({@link ExampleSet}) or variable-length sequences ({@link SequenceSet}).
 */
public interface Examples extends Serializable {

    /** Number of examples. */
    int size();

    /** Number of classes. */
    int numClasses();

    /**
     * These examples followed by {@code other}'s, as a new set.
     *
     * @throws IllegalArgumentException when {@code other} is of another kind, shape or number of classes
     */
    Examples concat(Examples other);

    /** The examples at {@code indices}, in that order, as a new set. */
    Examples subset(int[] indices);

    /**
     * The examples at {@code indices[from..to)} as a DL4J minibatch, labels one-hot, with feature and label masks
     * where sequences of different lengths were padded.
     */
    DataSet minibatch(int[] indices, int from, int to);
}
