package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.Examples;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.nn.Dnnl;
import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.nn.NativeThreads;
import io.sparktrain.pipeline.JobData;
import io.sparktrain.pipeline.TrainingJob;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * {@code bench CONF [--examples N] [--set key=value ...]}: trains the job's network, on the first N training
 * examples of its data, in this JVM: in one process without Spark using every core (the kernel throughput; ND4J's
 * ops on 1 and on all threads, the faster counts), then with parameter averaging in Spark local mode with the job's
 * workers, minibatch size, averaging frequency and optimiser, each worker on cores / workers threads. Both time
 * their second pass over the examples. Prints examples/s for both and their ratio, the cost of distribution. The
 * job is read and its data validated by the same pipeline as {@code train} ({@link TrainingJob#validated}).
 */
final class BenchCommand {
    /** Passes (epochs) timed after the untimed first one, in both phases: one pass of 6,400 is about a second. */
    private static final int TIMED_PASSES = 2;

    // The Spark phase evaluates after each epoch (untimed); a few test examples are enough.
    private static final int TEST_EXAMPLES = 100;

    static final String USAGE = "bench CONF [--examples N] [--set key=value ...]";

    /**
     * The two measurements.
     *
     * @param job the job's name
     * @param network the network's name
     * @param examples examples fitted in each measurement
     * @param cores cores of this machine
     * @param singleThreads native threads the single process chose for ND4J's ops (1 or {@code cores}, whichever
     *     was faster)
     * @param blockThreads threads of the single process's fused oneDNN blocks; 0 when the network has none
     * @param single examples/s in one process (the faster thread setting)
     * @param otherSingle examples/s in one process with the other thread setting; NaN with one core
     * @param workers Spark workers
     * @param frequency minibatches between averagings
     * @param spark examples/s with parameter averaging in Spark local mode
     */
    record Result(String job, String network, int examples, int cores, int singleThreads, int blockThreads,
                  double single, double otherSingle, int workers, int frequency, double spark) {
        double ratio() {
            return spark / single;
        }

        String describe() {
            String blocks = blockThreads > 0 ? ", fused conv blocks on " + blockThreads : "";
            String other = Double.isNaN(otherSingle) ? ""
                    : String.format(" (%.1f with %d)", otherSingle, singleThreads == 1 ? cores : 1);
            return String.format("bench %s (%s): %d examples, %d cores%n  single process, ND4J ops on %d thread(s)"
                            + "%s%s: %.1f examples/s%n  Spark local[%d], %d worker(s) x %d thread(s), averaging every "
                            + "%d: %.1f examples/s%n  ratio Spark / single: %.3f", job, network, examples, cores,
                    singleThreads, other, blocks, single, workers, workers, NativeThreads.perWorker(cores, workers),
                    frequency, spark, ratio());
        }
    }

    private BenchCommand() {
    }

    static Result run(List<String> words, SparkConf sparkConf) {
        CommandLine line = CommandLine.parse(words, USAGE, "config file", Set.of("--examples", "--set"));
        int examples = line.intOption("--examples", 6400);
        if (examples <= 0) {
            throw new ConfigException("--examples must be > 0, got " + examples);
        }
        List<String> overrides = new ArrayList<>(line.all("--set"));
        overrides.add("data.trainLimit=" + examples);
        overrides.add("data.testLimit=" + TEST_EXAMPLES);
        Configuration hadoop = new Configuration();
        JobConfig job = JobConfigLoader.load(line.argument(), overrides, hadoop);
        JobData data = TrainingJob.validated(job, hadoop);
        if (data.trainSize() < examples) {
            throw new ConfigException("--examples " + examples + " but the job's data have " + data.trainSize());
        }
        NetworkSpec spec = data.network();
        TrainingConfig training = job.training();
        int workers = training.workers();
        int cores = Runtime.getRuntime().availableProcessors();

        // The single process may use every core. Fused oneDNN blocks (CNNs) get them all; ND4J's own small ops can
        // run faster on one thread than on several (measured for the LSTM and beside the blocks), so both settings
        // are timed over full passes and the faster one is the kernel throughput.
        Dnnl.setThreads(cores);
        int[] candidates = cores == 1 ? new int[] {1} : new int[] {1, cores};
        double[] rates = new double[candidates.length];
        for (int c = 0; c < candidates.length; c++) {
            NativeThreads.set(candidates[c]);
            rates[c] = singleProcess(spec, training, data.loadTrain(hadoop));
        }
        int bestIndex = rates.length > 1 && rates[1] > rates[0] ? 1 : 0;
        int singleThreads = candidates[bestIndex];
        double single = rates[bestIndex];
        double other = rates.length > 1 ? rates[1 - bestIndex] : Double.NaN;

        NativeThreads.set(NativeThreads.perWorker(cores, workers));
        Dnnl.setThreads(NativeThreads.perWorker(cores, workers));
        // One untimed epoch, then TIMED_PASSES timed ones, as in the single process: the first pays for building the
        // networks on the workers and compiling their code paths.
        TrainingConfig epochs = new TrainingConfig(1 + TIMED_PASSES, workers, training.batchSizePerWorker(),
                training.averagingFrequency(), training.updater(), training.seed(), training.evalBatchSize(),
                training.tbpttLength());
        sparkConf.setMaster("local[" + workers + "]").setAppName("sparktrain-bench")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        double spark;
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            TrainingResult r = new ParameterAveragingTrainer(sc, spec, epochs).train(data.source(),
                    data.trainSize(), data.testSize());
            spark = (double) examples * TIMED_PASSES / r.epochs().stream().skip(1)
                    .mapToDouble(e -> e.seconds()).sum();
        }
        boolean fused = NetworkFactory.configuration(spec, training.updater(), 1).getConfs().stream()
                .anyMatch(c -> c.getLayer() instanceof FusedConvPool);
        return new Result(job.name(), spec.name(), examples, cores, singleThreads, fused ? cores : 0, single, other,
                workers, training.averagingFrequency(), spark);
    }

    /**
     * Examples/s of a fresh network over its passes through the examples after the first. The first pass builds the
     * kernels for this thread setting, lets ND4J's workspaces settle and the JIT compile, as the Spark phase's untimed
     * first epoch does for its workers.
     */
    private static double singleProcess(NetworkSpec spec, TrainingConfig training, Examples train) {
        int batch = training.batchSizePerWorker();
        MultiLayerNetwork net = NetworkFactory.network(spec, training.updater(), training.seed(),
                training.tbpttLength());
        int[] order = IntStream.range(0, train.size()).toArray();
        double seconds = 0;
        for (int pass = 0; pass <= TIMED_PASSES; pass++) {
            long start = System.nanoTime();
            for (int from = 0; from < train.size(); from += batch) {
                net.fit(train.minibatch(order, from, Math.min(from + batch, train.size())));
            }
            seconds += pass == 0 ? 0 : (System.nanoTime() - start) / 1e9;
        }
        return (double) train.size() * TIMED_PASSES / seconds;
    }
}
