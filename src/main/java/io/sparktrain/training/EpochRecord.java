package io.sparktrain.training;

/**
 * One epoch: the exact training loss over all its rounds and an evaluation on the test set at its end.
 *
 * @param epoch 1-based
 * @param trainLoss example-weighted mean minibatch cross-entropy over the epoch
 * @param testLoss mean cross-entropy on the test set after the epoch
 * @param testAccuracy fraction of test examples classified correctly after the epoch
 * @param seconds wall time of the epoch's training (evaluation excluded)
 * @param evalSeconds wall time of the evaluation
 */
public record EpochRecord(int epoch, double trainLoss, double testLoss, double testAccuracy, double seconds,
                          double evalSeconds) implements java.io.Serializable {
}
