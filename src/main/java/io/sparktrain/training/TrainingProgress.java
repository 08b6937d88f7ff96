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
}
