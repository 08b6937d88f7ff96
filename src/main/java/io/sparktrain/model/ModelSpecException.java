package io.sparktrain.model;

/** A network whose layers do not fit together; the message names the layer and the numbers. */
public final class ModelSpecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the layer and the numbers */
    public ModelSpecException(String message) {
        super(message);
    }
}
