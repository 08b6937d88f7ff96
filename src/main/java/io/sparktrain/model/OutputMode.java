package io.sparktrain.model;

/** What a network predicts for a sequence ({@code model.output}). */
public enum OutputMode {
    /**
     * One class per example: for a recurrent network, from the last unmasked step of its last recurrent layer
     * (many-to-one). The only mode of a convolutional or dense network.
     */
    LAST,
    /** One class per time step, a softmax and cross-entropy at every unmasked step (many-to-many). */
    SEQUENCE
}
