package io.sparktrain.training;

/**
 * Training diverged (a non-finite loss or parameter, or a loss or parameter far out of range): the run stops
 * rather than produce a useless model. The message names the round, the worker where one is at fault, and hints.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TrainingDivergedException(String message) {
        super("training diverged at " + message);
    }

    /** The same failure, with where the last good checkpoint is. */
    public TrainingDivergedException withCheckpoint(String checkpoint) {
        return new TrainingDivergedException(getMessage().substring("training diverged at ".length())
                + "; last good checkpoint: " + checkpoint);
    }
}
