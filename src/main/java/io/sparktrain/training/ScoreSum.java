package io.sparktrain.training;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Adds up the score of every optimiser step of a fit. One step per minibatch, except with truncated BPTT, where
 * each segment of the sequences is a step and {@code net.score()} would only tell the last one.
 */
final class ScoreSum extends BaseTrainingListener {
    private double sum;

    void reset() {
        sum = 0;
    }

    double sum() {
        return sum;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        sum += model.score();
    }
}
