package io.sparktrain.pipeline;

import io.sparktrain.training.TrainingResult;
import java.util.Map;

/**
 * What a finished training run reports.
 *
 * @param out where its run folder is
 * @param result the training outcome, the trained network included
 * @param metrics the metrics document written as {@code metrics.json}
 */
public record RunReport(String out, TrainingResult result, Map<String, Object> metrics) {
}
