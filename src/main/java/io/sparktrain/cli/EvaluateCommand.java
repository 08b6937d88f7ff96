package io.sparktrain.cli;

import io.sparktrain.pipeline.EvaluationJob;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.SparkConf;

/**
 * {@code evaluate RUN_OR_MODEL [--data DIR] [--set key=value ...]}: a saved model's accuracy, loss, per-class
 * precision and recall and confusion matrix on a test split, on Spark ({@link EvaluationJob}).
 */
final class EvaluateCommand {

    static final String USAGE = "evaluate RUN_OR_MODEL [--data DIR] [--set key=value ...]";

    private EvaluateCommand() {
    }

    /** Runs the evaluation and returns what to print: a summary line, then the JSON document. */
    static String run(List<String> words, SparkConf sparkConf) {
        CommandLine line = CommandLine.parse(words, USAGE, "run folder or model file", Set.of("--data", "--set"));
        EvaluationJob.Report report = EvaluationJob.run(line.argument(), Optional.ofNullable(line.option("--data",
                null)), line.all("--set"), sparkConf);
        var e = report.evaluation();
        return String.format("test accuracy %.4f, test loss %.4f on %d examples%n%s", e.accuracy(), e.meanLoss(),
                e.examples(), Json.pretty(report.document()));
    }
}
