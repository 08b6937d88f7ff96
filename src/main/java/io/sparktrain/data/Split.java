package io.sparktrain.data;

/** Which part of a dataset: the examples trained on, or the held-out examples evaluated on. */
public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String mnistPrefix;

    Split(String mnistPrefix) {
        this.mnistPrefix = mnistPrefix;
    }

    /** The file-name prefix of this split in the MNIST distribution ({@code train} or {@code t10k}). */
    public String mnistPrefix() {
        return mnistPrefix;
    }
}
