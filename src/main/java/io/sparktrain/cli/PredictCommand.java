package io.sparktrain.cli;

import io.sparktrain.pipeline.PredictionJob;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkConf;

/**
 * {@code predict RUN_OR_MODEL --data DIR_OR_FILE --out OUT [--set key=value ...]}: scores new inputs on Spark and
 * writes one row per input as CSV or Parquet ({@link PredictionJob}).
 */
final class PredictCommand {

    static final String USAGE = "predict RUN_OR_MODEL --data DIR_OR_FILE --out OUT.csv|OUT.parquet [--set key=value ...]";

    private PredictCommand() {
    }

    static String run(List<String> words, SparkConf sparkConf) {
        CommandLine line = CommandLine.parse(words, USAGE, "run folder or model file",
                Set.of("--data", "--out", "--set"));
        PredictionJob.Report r = PredictionJob.run(line.argument(), line.required("--data"), line.required("--out"),
                line.all("--set"), sparkConf);
        return String.format("%d rows written to %s in %.1f s (%.0f rows/s)", r.rows(), r.out(), r.seconds(),
                r.rowsPerSecond());
    }
}
