package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.DataConfig;
import io.sparktrain.config.JobConfig;
import io.sparktrain.data.FeatureScaling;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.PredictionInput;
import io.sparktrain.data.Split;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.Shape;
import io.sparktrain.training.Scoring;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Scores new inputs with a saved model on Spark and writes one row per input: its id, the predicted class and
 * every class's probability. Executors read and score their own part of the inputs; the driver receives the rows
 * one partition at a time and writes them in input order to a staged file renamed into place at the end, so a
 * failed run leaves nothing at {@code out}. The output's extension chooses the format ({@link OutputFormat}).
 */
public final class PredictionJob {

    private PredictionJob() {
    }

    /** The file formats of {@code --out}. */
    public enum OutputFormat {
        /** Comma-separated values with a header line: {@code id,predicted,p0,...}. */
        CSV,
        /** Parquet: {@code id} (string), {@code predicted} (int32), {@code p0...} (float). */
        PARQUET;

        /** The format {@code out}'s extension names. */
        public static OutputFormat of(String out) {
            String lower = out.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".csv")) {
                return CSV;
            }
            if (lower.endsWith(".parquet")) {
                return PARQUET;
            }
            throw new ConfigException("--out " + out + ": end it with .csv or .parquet to choose the format");
        }
    }

    /**
     * What was written.
     *
     * @param out the output file
     * @param rows rows written (one per input)
     * @param seconds wall time from the first Spark job to the renamed file
     */
    public record Report(String out, long rows, double seconds) {
        /** Rows per second. */
        public double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /**
     * @param location a run folder or a model file
     * @param data the inputs: an IDX image file (or a folder holding MNIST's test images; read as sequences for a
     *     seq-mnist model), a folder of CSV files
     *     (or one file), or a text file, as the model's {@code data.format} says
     * @param out the output file, {@code .csv} or {@code .parquet}
     * @param overrides {@code key=value} settings over the run's configuration
     */
    public static Report run(String location, String data, String out, List<String> overrides, SparkConf sparkConf) {
        Configuration hadoop = new Configuration();
        OutputFormat format = OutputFormat.of(out);
        Path target = new Path(out);
        SavedModel model = SavedModel.load(location, overrides, hadoop);
        try {
            if (target.getFileSystem(hadoop).exists(target)) {
                throw new ConfigException("--out " + out + " already exists; choose another or remove it");
            }
        } catch (IOException e) {
            throw new ConfigException("--out " + out + ": " + e.getMessage());
        }
        JobConfig job = model.job();
        PredictionInput input = input(model, JobData.qualify("--data", data, hadoop), hadoop);
        check(model.description(), input, location, data);
        try (JavaSparkContext sc = TrainingJob.open(TrainingJob.sparkConf(sparkConf, job, "predict-"), job)) {
            long start = System.nanoTime();
            int parts = Math.max(job.training().workers(), sc.defaultParallelism());
            JavaRDD<Scoring.Prediction> rows = Scoring.predict(sc, input, parts, model.network(),
                    job.training().evalBatchSize());
            long written = write(rows.toLocalIterator(), format, target, model.description().classes(), hadoop);
            return new Report(target.toString(), written, (System.nanoTime() - start) / 1e9);
        }
    }

    /** The inputs at {@code data}, read as the model's data format says. */
    private static PredictionInput input(SavedModel model, String data, Configuration hadoop) {
        JobConfig job = model.job();
        DataConfig d = job.data();
        int classes = model.description().classes();
        return switch (d.format()) {
            case MNIST, SEQ_MNIST -> {
                String file = data;
                try {
                    Path path = new Path(data);
                    if (path.getFileSystem(hadoop).getFileStatus(path).isDirectory()) {
                        file = MnistData.files(data, Split.TEST, hadoop).get(0);
                    }
                } catch (IOException e) {
                    throw new io.sparktrain.data.DataFormatException(data, "no such file or directory");
                }
                // A sequence model reads the images row by row (or pixel by pixel), as it was trained.
                yield PredictionInput.IdxImages.open(file, classes, d.format() == DataConfig.Format.SEQ_MNIST
                        ? (d.pixelByPixel() ? "pixels" : "rows") : null, hadoop);
            }
            case CSV -> {
                List<String> files = PredictionInput.CsvFiles.list(data, hadoop);
                int width = PredictionInput.CsvFiles.firstLineWidth(files.get(0), d.csvHeader(), hadoop);
                int features = model.description().input().channels();
                FeatureScaling scaling = FeatureScaling.NONE;
                if (d.standardize()) {
                    // Standardised as in training, with the training split's mean and std.
                    scaling = JobData.prepare(job, hadoop).source() instanceof io.sparktrain.data.CsvSource c
                            ? c.scaling() : FeatureScaling.NONE;
                }
                yield new PredictionInput.CsvFiles(files, d.csvHeader(), width == features + 1 ? features : width,
                        scaling, classes);
            }
            case TEXT -> PredictionInput.TextWindows.open(data, model.vocabulary().orElseThrow(() ->
                    new ConfigException(model.location() + " has no " + RunOutput.VOCABULARY)), d.window(), hadoop);
            case PARQUET -> throw new ConfigException("predict does not read Parquet inputs yet (" + model.location()
                    + " was trained with data.format = parquet); evaluate scores its test split");
        };
    }

    /** The one-line error when the inputs' shape is not the model's. */
    private static void check(ModelDescription model, PredictionInput input, String location, String data) {
        Shape in = model.input();
        int[] expected = in.sequence() ? new int[] {in.channels()} : new int[] {in.channels(), in.height(),
                in.width()};
        if (!Arrays.equals(expected, input.exampleShape())) {
            throw new ConfigException("model " + location + " takes input " + Arrays.toString(expected) + " but "
                    + data + " holds inputs of " + Arrays.toString(input.exampleShape()));
        }
    }

    private static long write(Iterator<Scoring.Prediction> rows, OutputFormat format, Path target, int classes,
                              Configuration hadoop) {
        try {
            FileSystem fs = target.getFileSystem(hadoop);
            return AtomicFile.write(fs, target, false, staging -> format == OutputFormat.CSV
                    ? writeCsv(rows, fs, staging, classes) : PredictionParquet.write(rows, staging, classes, hadoop));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target + ": " + e.getMessage(), e);
        }
    }

    private static long writeCsv(Iterator<Scoring.Prediction> rows, FileSystem fs, Path file, int classes)
            throws IOException {
        long n = 0;
        try (Writer w = new BufferedWriter(new OutputStreamWriter(fs.create(file, false), StandardCharsets.UTF_8))) {
            StringBuilder header = new StringBuilder("id,predicted");
            for (int c = 0; c < classes; c++) {
                header.append(",p").append(c);
            }
            w.write(header.append('\n').toString());
            while (rows.hasNext()) {
                Scoring.Prediction p = rows.next();
                StringBuilder line = new StringBuilder(csvCell(p.id())).append(',').append(p.predicted());
                for (float v : p.probabilities()) {
                    line.append(',').append(v);
                }
                w.write(line.append('\n').toString());
                n++;
            }
        }
        return n;
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
