package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.data.Vocabulary;
import io.sparktrain.pipeline.RunOutput;
import io.sparktrain.pipeline.SavedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code sample RUN [--length N] [--prime TEXT] [--temperature T] [--seed S]}: generates text from a character
 * model trained with {@code data.format = text}, one character at a time, feeding each back in.
 */
public final class SampleCommand {

    /** The usage line. */
    public static final String USAGE = "sample RUN [--length N] [--prime TEXT] [--temperature T] [--seed S]";

    /**
     * Parsed arguments.
     *
     * @param run the run folder written by {@code train}
     * @param length characters to generate
     * @param prime text fed in first (its last character starts the sample)
     * @param temperature divides the log-probabilities: below 1 is more conservative, above 1 more varied
     * @param seed seeds the sampling
     */
    public record Args(String run, int length, String prime, double temperature, long seed) {
        /** Validates. */
        public Args {
            if (length <= 0) {
                throw new ConfigException("--length must be > 0, got " + length);
            }
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new ConfigException("--temperature must be a finite number > 0, got " + temperature);
            }
        }

        /** Parses the words after {@code sample}. */
        public static Args parse(List<String> words) {
            CommandLine line = CommandLine.parse(words, USAGE, "run folder",
                    java.util.Set.of("--length", "--prime", "--temperature", "--seed"));
            String prime = line.option("--prime", "\n");
            if (prime.isEmpty()) {
                throw new ConfigException("--prime must not be empty");
            }
            return new Args(line.argument(), line.intOption("--length", 500), prime,
                    line.doubleOption("--temperature", 1.0), line.longOption("--seed", 1));
        }
    }

    private SampleCommand() {
    }

    /** Loads the run's model and vocabulary and returns {@code args.length()} generated characters. */
    public static String run(Args args) {
        SavedModel model = SavedModel.load(args.run(), List.of(), new Configuration());
        Vocabulary vocabulary = model.vocabulary().orElseThrow(() -> new ConfigException(args.run() + " has no "
                + RunOutput.VOCABULARY + ": sample needs a character model (data.format = text)"));
        MultiLayerNetwork net = model.network();
        List<Integer> prime = new ArrayList<>();
        args.prime().codePoints().forEach(cp -> {
            int index = vocabulary.index(cp);
            if (index < 0) {
                throw new ConfigException("--prime: character \"" + new String(Character.toChars(cp))
                        + "\" is not in the model's vocabulary");
            }
            prime.add(index);
        });
        return generate(net, vocabulary, prime, args.length(), args.temperature(), new Random(args.seed()));
    }

    private static String generate(MultiLayerNetwork net, Vocabulary vocabulary, List<Integer> prime, int length,
                                   double temperature, Random random) {
        int v = vocabulary.size();
        net.rnnClearPreviousState();
        INDArray probabilities = null;
        for (int code : prime) {
            probabilities = net.rnnTimeStep(oneHot(code, v));
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int next = draw(probabilities.reshape(v).toDoubleVector(), temperature, random);
            out.append(vocabulary.character(next));
            probabilities = net.rnnTimeStep(oneHot(next, v));
        }
        return out.toString();
    }

    private static INDArray oneHot(int code, int size) {
        INDArray x = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, size, 1);
        x.putScalar(new long[] {0, code, 0}, 1.0);
        return x;
    }

    /** Draws an index from {@code p} sharpened or flattened by {@code temperature}. */
    static int draw(double[] p, double temperature, Random random) {
        double[] w = new double[p.length];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            w[i] = Math.pow(Math.max(p[i], 1e-30), 1 / temperature);
            total += w[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < w.length; i++) {
            u -= w[i];
            if (u <= 0) {
                return i;
            }
        }
        return w.length - 1;
    }
}
