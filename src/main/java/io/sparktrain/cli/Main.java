package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.data.DataFormatException;
import io.sparktrain.diagnostics.BrokenKernelsException;
import io.sparktrain.diagnostics.NativeReport;
import io.sparktrain.pipeline.Interruption;
import io.sparktrain.pipeline.SparkContexts;
import io.sparktrain.pipeline.RegistryLockedException;
import io.sparktrain.pipeline.RetrainJob;
import io.sparktrain.pipeline.RunReport;
import io.sparktrain.training.TrainingDivergedException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point of the application jar: {@code sparktrain <command> ...}. Errors are one line on stderr and a
 * distinct exit code ({@link ExitCode}).
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private static final String COMPARE_USAGE = "compare RUN RUN... [--out FILE.html]";

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: sparktrain " + TrainCommand.USAGE,
            "       sparktrain " + RetrainCommand.USAGE,
            "       sparktrain " + RegistryCommand.USAGE,
            "       sparktrain " + EvaluateCommand.USAGE,
            "       sparktrain " + PredictCommand.USAGE,
            "       sparktrain " + ExportCommand.USAGE,
            "       sparktrain " + SampleCommand.USAGE,
            "       sparktrain " + ControlChartsCommand.USAGE,
            "       sparktrain " + MakeParquetCommand.USAGE,
            "       sparktrain " + BenchCommand.USAGE,
            "       sparktrain " + DescribeCommand.USAGE,
            "       sparktrain report RUN",
            "       sparktrain " + COMPARE_USAGE,
            "       sparktrain " + ConfigCommand.USAGE,
            "       sparktrain doctor");

    private Main() {
    }

    /**
     * Runs a command and exits with its code; a success in YARN's cluster mode returns instead. There this method
     * runs in a thread of Spark's ApplicationMaster, which reports the application's final status when it returns:
     * an exit before that reads as a failure ("Shutdown hook called before final status was reported"), and YARN
     * starts the application again.
     */
    public static void main(String[] args) {
        Interruption.install(System.err);
        int code = run(args, System.out, System.err).code();
        boolean yarnCluster = "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
        if (code == ExitCode.OK.code() && yarnCluster) {
            return;
        }
        System.exit(code);
    }

    /** Runs a command; what {@code main} does, minus the exit. */
    public static ExitCode run(String[] args, PrintStream out, PrintStream err) {
        List<String> words = Arrays.asList(args);
        if (words.isEmpty() || words.get(0).equals("--help") || words.get(0).equals("help")) {
            (words.isEmpty() ? err : out).println(USAGE);
            return words.isEmpty() ? ExitCode.USAGE : ExitCode.OK;
        }
        try {
            switch (words.get(0)) {
                case "train" -> {
                    RunReport report = TrainCommand.run(words.subList(1, words.size()), new SparkConf());
                    var r = report.result();
                    out.printf("test accuracy %.4f, test loss %.4f on %d examples; %.0f training examples/s over "
                                    + "%.1f s; run written to %s%n", r.test().accuracy(), r.test().meanLoss(),
                            r.test().examples(), r.examplesPerSecond(), r.trainSeconds(), report.out());
                    return ExitCode.OK;
                }
                case "sample" -> {
                    out.println(SampleCommand.run(SampleCommand.Args.parse(words.subList(1, words.size()))));
                    return ExitCode.OK;
                }
                case "bench" -> {
                    out.println(BenchCommand.run(words.subList(1, words.size()), new SparkConf()).describe());
                    return ExitCode.OK;
                }
                case "doctor" -> {
                    if (words.size() > 1) {
                        throw new ConfigException("doctor takes no arguments; usage: sparktrain doctor");
                    }
                    NativeReport report = NativeReport.examine();
                    out.println(report.describe());
                    if (!report.healthy()) {
                        throw new BrokenKernelsException("this JVM", report);
                    }
                    return ExitCode.OK;
                }
                case "retrain" -> {
                    RetrainJob.Report r = RetrainCommand.run(words.subList(1, words.size()), new SparkConf());
                    out.println(switch (r.outcome()) {
                        case PROMOTED -> "promoted version " + r.version() + ": " + r.reason();
                        case KEPT -> "kept champion version " + r.champion().map(String::valueOf).orElse("none")
                                + "; candidate version " + r.version() + " rejected: " + r.reason();
                        case UNCHANGED -> "unchanged: " + r.reason() + "; champion version "
                                + r.champion().map(String::valueOf).orElse("none");
                    });
                    return r.outcome() == RetrainJob.Outcome.KEPT ? ExitCode.KEPT : ExitCode.OK;
                }
                case "registry" -> {
                    out.println(RegistryCommand.run(words.subList(1, words.size())));
                    return ExitCode.OK;
                }
                case "evaluate" -> {
                    out.println(EvaluateCommand.run(words.subList(1, words.size()), new SparkConf()));
                    return ExitCode.OK;
                }
                case "predict" -> {
                    out.println(PredictCommand.run(words.subList(1, words.size()), new SparkConf()));
                    return ExitCode.OK;
                }
                case "export" -> {
                    out.println(ExportCommand.run(words.subList(1, words.size())));
                    return ExitCode.OK;
                }
                case "report" -> {
                    if (words.size() != 2) {
                        throw new ConfigException("usage: sparktrain report RUN");
                    }
                    out.println("wrote " + io.sparktrain.pipeline.ReportJob.run(words.get(1)));
                    return ExitCode.OK;
                }
                case "compare" -> {
                    List<String> rest = words.subList(1, words.size());
                    int at = rest.indexOf("--out");
                    List<String> runs = at < 0 ? rest : rest.subList(0, at);
                    if (at >= 0 && at != rest.size() - 2) {
                        throw new ConfigException("usage: sparktrain " + COMPARE_USAGE);
                    }
                    out.println("wrote " + io.sparktrain.pipeline.CompareJob.run(runs,
                            at < 0 ? "compare.html" : rest.get(at + 1)));
                    return ExitCode.OK;
                }
                case "describe" -> {
                    out.println(DescribeCommand.run(words.subList(1, words.size())));
                    return ExitCode.OK;
                }
                case "config" -> {
                    out.println(ConfigCommand.run(words.subList(1, words.size())));
                    return ExitCode.OK;
                }
                case "make-control-charts" -> {
                    out.println(ControlChartsCommand.run(words.subList(1, words.size())));
                    return ExitCode.OK;
                }
                case "make-parquet" -> {
                    out.println(MakeParquetCommand.run(words.subList(1, words.size())));
                    return ExitCode.OK;
                }
                default -> {
                    err.println("sparktrain: unknown command " + words.get(0)
                            + "; commands: train, retrain, registry, evaluate, predict, export, describe, report, compare, sample, doctor, "
                            + "bench, config, make-control-charts, make-parquet (sparktrain help for usage)");
                    return ExitCode.USAGE;
                }
            }
        } catch (Interruption.RunInterruptedException e) {
            err.println("sparktrain: " + e.getMessage());
            return e.exitCode() == ExitCode.TERMINATED.code() ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
        } catch (SparkContexts.ClusterUnavailableException e) {
            err.println("sparktrain: " + e.getMessage());
            return ExitCode.CLUSTER_UNAVAILABLE;
        } catch (RegistryLockedException e) {
            err.println("sparktrain: " + e.getMessage());
            return ExitCode.LOCKED;
        } catch (ConfigException e) {
            err.println("sparktrain: " + e.getMessage());
            return ExitCode.USAGE;
        } catch (DataFormatException e) {
            err.println("sparktrain: bad data: " + e.getMessage());
            return ExitCode.BAD_DATA;
        } catch (BrokenKernelsException e) {
            err.println("sparktrain: " + e.getMessage());
            return ExitCode.BROKEN_KERNELS;
        } catch (TrainingDivergedException e) {
            err.println("sparktrain: " + e.getMessage());
            return ExitCode.DIVERGED;
        } catch (UncheckedIOException e) {
            err.println("sparktrain: output: " + e.getMessage());
            return ExitCode.OUTPUT;
        } catch (org.apache.hadoop.fs.FSError e) {
            // Hadoop's local file system reports a full disk or an I/O error as an Error.
            err.println("sparktrain: output: " + e.getCause().getMessage());
            return ExitCode.OUTPUT;
        } catch (Exception e) { // a SparkException is checked, and Spark's Java API throws it undeclared
            Throwable cause = rootCause(e);
            if (cause instanceof BrokenKernelsException b) {
                err.println("sparktrain: " + b.getMessage());
                return ExitCode.BROKEN_KERNELS;
            }
            Optional<DataFormatException> bad = dataFormat(e);
            if (bad.isPresent()) {
                // Raised on an executor reading its shard, and wrapped by Spark.
                err.println("sparktrain: bad data: " + bad.get().getMessage());
                return ExitCode.BAD_DATA;
            }
            var connector = SparkContexts.missingConnector(e);
            if (connector.isPresent()) {
                err.println("sparktrain: " + connector.get());
                return ExitCode.USAGE;
            }
            if (Interruption.requested()) {
                return ExitCode.INTERRUPTED; // the signal handler has said so and is ending the process
            }
            LOG.error("unexpected failure", e);
            err.println("sparktrain: internal error: " + e + " (see the log above)");
            return ExitCode.INTERNAL;
        }
    }

    /** The first {@link DataFormatException} among {@code t} and its causes. */
    private static Optional<DataFormatException> dataFormat(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof DataFormatException d) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
