package io.sparktrain.training;

/** Told about each averaging round and each epoch as the driver finishes them (metrics streams, progress bars). */
public interface TrainingProgress {

    /** Listens to nothing. */
    TrainingProgress NONE = new TrainingProgress() {
    };

    /**
     * An epoch begins.
     *
     * @param epoch its number, from 1
     * @param roundsPerEpoch rounds in each epoch
     */
    default void epochStarted(int epoch, int roundsPerEpoch) {
    }

    /**
     * A round is done.
     *
     * @param record its figures
     * @param roundsPerEpoch rounds in each epoch
     */
    default void round(RoundRecord record, int roundsPerEpoch) {
    }

    /** An epoch is done and evaluated. */
    default void epoch(EpochRecord record) {
    }

    /**
     * The run continues from a checkpoint: these rounds and epochs were done before it (and are not reported
     * again through {@link #round} and {@link #epoch}).
     */
    default void resumed(java.util.List<RoundRecord> rounds, java.util.List<EpochRecord> epochs) {
    }

    /** A checkpoint was written. */
    default void checkpointed(String path, int roundsDone) {
    }
}
