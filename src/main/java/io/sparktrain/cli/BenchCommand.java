package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.Examples;
import io.sparktrain.data.MnistSource;
import io.sparktrain.data.SeqMnistSource;
import io.sparktrain.data.Split;
import io.sparktrain.nn.NativeThreads;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Presets;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import io.sparktrain.nn.Dnnl;
import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.TrainingResult;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * {@code bench PRESET [--examples N] [--workers W] [--batch B] [--frequency F] [--data DIR]}: trains a preset on the
 * first N MNIST examples (sequential MNIST, row by row, for the recurrent presets) in this JVM: in one process
 * without Spark using every core (the kernel throughput; ND4J's ops on 1 and on all threads, the faster counts),
 * then with parameter averaging in Spark local mode with W workers of cores / W threads each, averaging every F
 * minibatches. Both time their second pass over the examples. Prints examples/s for both and their ratio, the
 * cost of distribution. Adam 0.001, minibatches of B in both.
 */
final class BenchCommand {

    private static final int TEST_EXAMPLES = 100;

    static final String USAGE = "bench PRESET [--examples N] [--workers W] [--batch B] [--frequency F] [--data DIR]";

    /**
     * The two measurements.
     *
     * @param preset the network
     * @param examples examples fitted in each measurement
     * @param cores cores of this machine
     * @param singleThreads native threads the single process chose for ND4J's ops (1 or {@code cores}, whichever
     *     was faster)
     * @param blockThreads threads of the single process's fused oneDNN blocks; 0 when the network has none
     * @param single examples/s in one process (the faster thread setting)
     * @param otherSingle examples/s in one process with the other thread setting; NaN with one core
     * @param workers Spark workers
     * @param spark examples/s with parameter averaging in Spark local mode
     */
    record Result(String preset, int examples, int cores, int singleThreads, int blockThreads, double single,
                  double otherSingle, int workers, double spark) {
        double ratio() {
            return spark / single;
        }

        String describe() {
            String blocks = blockThreads > 0 ? ", fused conv blocks on " + blockThreads : "";
            String other = Double.isNaN(otherSingle) ? ""
                    : String.format(" (%.1f with %d)", otherSingle, singleThreads == 1 ? cores : 1);
            return String.format("bench %s: %d examples, %d cores%n  single process, ND4J ops on %d thread(s)%s%s: "
                            + "%.1f examples/s%n  Spark local[%d], %d worker(s) x %d thread(s): %.1f examples/s%n"
                            + "  ratio Spark / single: %.3f", preset, examples, cores, singleThreads, other, blocks,
                    single, workers, workers, Math.max(1, cores / workers), spark, ratio());
        }
    }

    private BenchCommand() {
    }

    static Result run(List<String> words, SparkConf sparkConf) {
        CommandLine line = CommandLine.parse(words, USAGE + "; presets " + Presets.names(), "preset",
                java.util.Set.of("--examples", "--workers", "--batch", "--frequency", "--data"));
        String preset = line.argument();
        int examples = line.intOption("--examples", 6400);
        int workers = line.intOption("--workers", 2);
        int batch = line.intOption("--batch", 64);
        // As often as the default job (conf/mnist-cnn.conf) averages.
        int frequency = line.intOption("--frequency", 10);
        String data = line.option("--data", "data/mnist");
        if (examples <= 0 || workers <= 0 || batch <= 0 || frequency <= 0) {
            throw new ConfigException("--examples, --workers, --batch and --frequency must be > 0");
        }
        String name = preset;
        boolean recurrent = Presets.recurrent(preset);
        List<io.sparktrain.model.LayerSpec> layers = Presets.layers(preset,
                new Presets.RnnSettings(128, 1, 0, io.sparktrain.model.LayerSpec.Direction.BIDIRECTIONAL_CONCAT))
                .orElseThrow(() -> ConfigException.invalid("bench PRESET", "be one of " + Presets.names(),
                        "\"" + name + "\""));
        NetworkSpec spec = recurrent ? new NetworkSpec("preset " + preset, Shape.sequence(28), layers, 10,
                OutputMode.LAST) : new NetworkSpec("preset " + preset, Shape.map(1, 28, 28), layers, 10);

        Configuration hadoop = new Configuration();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(data);
        String qualified;
        try {
            qualified = dir.getFileSystem(hadoop).makeQualified(dir).toString();
        } catch (java.io.IOException e) {
            throw new ConfigException("--data " + data + ": " + e.getMessage());
        }
        // The Spark phase evaluates after each epoch (untimed); a few test examples are enough.
        ExampleSource source = recurrent ? new SeqMnistSource(qualified, examples, TEST_EXAMPLES, false)
                : new MnistSource(qualified, examples, TEST_EXAMPLES);
        Examples train = source.load(Split.TRAIN, hadoop);
        if (train.size() < examples) {
            throw new ConfigException("--examples " + examples + " but " + data + " has " + train.size());
        }
        int testSize = source.load(Split.TEST, hadoop).size();
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.001, 0);
        int cores = Runtime.getRuntime().availableProcessors();

        // The single process may use every core. Fused oneDNN blocks (CNNs) get them all; ND4J's own small ops can
        // run faster on one thread than on several (measured for the LSTM and beside the blocks), so both settings
        // are timed over full passes and the faster one is the kernel throughput.
        Dnnl.setThreads(cores);
        int[] candidates = cores == 1 ? new int[] {1} : new int[] {1, cores};
        double[] rates = new double[candidates.length];
        for (int c = 0; c < candidates.length; c++) {
            NativeThreads.set(candidates[c]);
            rates[c] = singleProcess(spec, adam, train, batch);
        }
        int bestIndex = rates.length > 1 && rates[1] > rates[0] ? 1 : 0;
        int singleThreads = candidates[bestIndex];
        double single = rates[bestIndex];
        double other = rates.length > 1 ? rates[1 - bestIndex] : Double.NaN;

        NativeThreads.set(Math.max(1, cores / workers));
        Dnnl.setThreads(Math.max(1, cores / workers));
        // Two epochs, the second timed as in the single process: the first pays for building the networks on the
        // workers and compiling their code paths.
        TrainingConfig config = new TrainingConfig(2, workers, batch, frequency, adam, 42, 1000);
        sparkConf.setMaster("local[" + workers + "]").setAppName("sparktrain-bench")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        double spark;
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            TrainingResult r = new ParameterAveragingTrainer(sc, spec, config).train(source, examples, testSize);
            spark = examples / r.epochs().get(1).seconds();
        }
        boolean fused = NetworkFactory.configuration(spec, adam, 1).getConfs().stream()
                .anyMatch(c -> c.getLayer() instanceof FusedConvPool);
        return new Result(preset, examples, cores, singleThreads, fused ? cores : 0, single, other, workers, spark);
    }

    /**
     * Examples/s of a fresh network over its second pass through the examples. The first pass builds the kernels
     * for this thread setting, lets ND4J's workspaces settle and the JIT compile, as the Spark phase's untimed first
     * epoch does for its workers.
     */
    private static double singleProcess(NetworkSpec spec, UpdaterSpec updater, Examples train, int batch) {
        MultiLayerNetwork net = NetworkFactory.network(spec, updater, 42);
        int[] order = IntStream.range(0, train.size()).toArray();
        double seconds = 0;
        for (int pass = 0; pass < 2; pass++) {
            long start = System.nanoTime();
            for (int from = 0; from < train.size(); from += batch) {
                net.fit(train.minibatch(order, from, Math.min(from + batch, train.size())));
            }
            seconds = (System.nanoTime() - start) / 1e9;
        }
        return train.size() / seconds;
    }
}
