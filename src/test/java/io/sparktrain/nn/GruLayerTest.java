package io.sparktrain.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The GRU layer against {@link GruReference}, PyTorch's equations in plain Java: outputs, loss, every parameter
 * gradient and the input gradient, on minibatches of different-length sequences (padding filled with noise) that
 * the reference reads one sequence at a time without padding; forward and both bidirectional merges, one and two
 * stacked layers, many-to-one and many-to-many; the oneDNN path against the ND4J one and against itself on 1 and 2
 * threads.
 */
class GruLayerTest {
    private static final int FEATURES = 3;
    private static final int UNITS = 4;
    private static final int CLASSES = 3;
    private static final int STEPS = 6;
    private static final int[] LENGTHS = {6, 3, 1, 5};
    private static final UpdaterSpec SGD = new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0);

    /** Which implementation the layer runs. */
    enum Engine {
        ND4J, ONEDNN;

        <T> T run(Supplier<T> work) {
            if (this == ONEDNN) {
                assumeTrue(Dnnl.usable(), "oneDNN is not usable here: " + Dnnl.loadFailure());
            }
            String before = System.getProperty("sparktrain.onednn");
            System.setProperty("sparktrain.onednn", this == ONEDNN ? "true" : "false");
            try {
                return work.get();
            } finally {
                if (before == null) {
                    System.clearProperty("sparktrain.onednn");
                } else {
                    System.setProperty("sparktrain.onednn", before);
                }
            }
        }
    }

    private static INDArray mask(DataType type) {
        INDArray m = Nd4j.zeros(type, LENGTHS.length, STEPS);
        for (int b = 0; b < LENGTHS.length; b++) {
            for (int t = 0; t < LENGTHS[b]; t++) {
                m.putScalar(b, t, 1);
            }
        }
        return m;
    }

    private static INDArray uniform(DataType type, long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(type, shape).subi(0.5).muli(2);
    }

    private static List<GruReference.Dir> params(Layer layer, Gru.Directions d) {
        List<GruReference.Dir> dirs = new ArrayList<>();
        for (String p : d.prefixes()) {
            dirs.add(GruReference.Dir.of(layer, p));
        }
        return dirs;
    }

    private static List<GruReference.Dir> zeros(int nIn, Gru.Directions d) {
        List<GruReference.Dir> dirs = new ArrayList<>();
        for (String ignored : d.prefixes()) {
            dirs.add(GruReference.Dir.zeros(nIn, UNITS));
        }
        return dirs;
    }

    private static void close(double expected, double actual, double tolerance, String what) {
        assertTrue(Math.abs(expected - actual) <= tolerance * (1 + Math.abs(expected)),
                what + ": expected " + expected + ", got " + actual);
    }

    private static void sameGradients(List<GruReference.Dir> expected, Map<String, INDArray> actual, String layer,
                                      Gru.Directions d, double tolerance) {
        List<String> prefixes = d.prefixes();
        for (int k = 0; k < prefixes.size(); k++) {
            String p = layer + prefixes.get(k);
            GruReference.Dir e = expected.get(k);
            matrix(e.w(), actual.get(p + "W"), tolerance, p + "W");
            matrix(e.rw(), actual.get(p + "RW"), tolerance, p + "RW");
            matrix(new double[][] {e.b()}, actual.get(p + "b"), tolerance, p + "b");
            matrix(new double[][] {e.rb()}, actual.get(p + "rb"), tolerance, p + "rb");
        }
    }

    private static void matrix(double[][] expected, INDArray actual, double tolerance, String what) {
        assertEquals(expected.length, actual.size(0), what + " rows");
        assertEquals(expected[0].length, actual.size(1), what + " columns");
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                close(expected[i][j], actual.getDouble(i, j), tolerance, what + "[" + i + "][" + j + "]");
            }
        }
    }

    /** A stack of GRU layers alone (no output layer), in double precision: the ND4J path, exactly. */
    private static MultiLayerNetwork stack(DataType type, Gru.Directions d, int layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(type).seed(3)
                .weightInit(WeightInit.XAVIER).list();
        for (int i = 0; i < layers; i++) {
            list.layer(new Gru(UNITS, d));
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.recurrent(FEATURES)).build());
        net.init();
        net.initGradientsView();
        // Non-zero biases, so that every bias term is tested.
        net.setParams(uniform(type, 17, 1, net.numParams()).muli(0.8));
        return net;
    }

    static Stream<Arguments> stacks() {
        List<Arguments> cases = new ArrayList<>();
        for (Gru.Directions d : Gru.Directions.values()) {
            cases.add(Arguments.of(d, 1));
            cases.add(Arguments.of(d, 2));
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void layerOutputsAndEveryGradientEqualTheReferenceOnAPaddedBatch(Gru.Directions d, int layers) {
        layerAgainstReference(Engine.ND4J, DataType.DOUBLE, d, layers, 1e-10);
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void oneDnnLayerEqualsTheReferenceOnAPaddedBatch(Gru.Directions d, int layers) {
        layerAgainstReference(Engine.ONEDNN, DataType.FLOAT, d, layers, 2e-5);
    }

    private static void layerAgainstReference(Engine engine, DataType type, Gru.Directions d, int layers,
                                              double tolerance) {
        MultiLayerNetwork net = stack(type, d, layers);
        INDArray x = uniform(type, 5, LENGTHS.length, FEATURES, STEPS);
        INDArray mask = mask(type);
        int out = d == Gru.Directions.CONCAT ? 2 * UNITS : UNITS;
        INDArray g = uniform(type, 6, LENGTHS.length, out, STEPS);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();

        List<Object> results = engine.run(() -> {
            INDArray a = x;
            for (int l = 0; l < layers; l++) {
                Layer layer = net.getLayer(l);
                layer.setMaskArray(mask);
                layer.setInput(a, mgr);
                a = layer.activate(true, mgr);
            }
            List<Gradient> grads = new ArrayList<>();
            INDArray eps = g;
            for (int l = layers - 1; l >= 0; l--) {
                Pair<Gradient, INDArray> p = net.getLayer(l).backpropGradient(eps, mgr);
                grads.add(0, p.getFirst());
                eps = p.getSecond();
            }
            for (int l = 0; l < layers; l++) {
                assertEquals(engine == Engine.ONEDNN, ((GruLayer) net.getLayer(l)).lastRanOneDnn(), "engine used");
            }
            return List.of(a, grads, eps);
        });
        INDArray output = (INDArray) results.get(0);
        @SuppressWarnings("unchecked")
        List<Gradient> grads = (List<Gradient>) results.get(1);
        INDArray inputGradient = (INDArray) results.get(2);

        List<List<GruReference.Dir>> params = new ArrayList<>();
        List<List<GruReference.Dir>> expectedGrads = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            params.add(params(net.getLayer(l), d));
            expectedGrads.add(zeros(l == 0 ? FEATURES : out, d));
        }
        for (int b = 0; b < LENGTHS.length; b++) {
            int length = LENGTHS[b];
            double[][] seq = GruReference.sequence(x, b, length);
            List<GruReference.LayerRun> runs = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                GruReference.LayerRun run = new GruReference.LayerRun(d, params.get(l), seq);
                runs.add(run);
                seq = run.output();
            }
            for (int t = 0; t < STEPS; t++) {
                for (int j = 0; j < out; j++) {
                    close(t < length ? seq[t][j] : 0, output.getDouble(b, j, t), tolerance,
                            "output[" + b + "][" + j + "][" + t + "]");
                }
            }
            double[][] dOut = GruReference.sequence(g, b, length);
            for (int l = layers - 1; l >= 0; l--) {
                dOut = runs.get(l).backward(dOut, expectedGrads.get(l));
            }
            for (int t = 0; t < STEPS; t++) {
                for (int f = 0; f < FEATURES; f++) {
                    close(t < length ? dOut[t][f] : 0, inputGradient.getDouble(b, f, t), tolerance,
                            "input gradient[" + b + "][" + f + "][" + t + "]");
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            sameGradients(expectedGrads.get(l), grads.get(l).gradientForVariable(), "", d, tolerance);
        }
    }

    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        for (Engine engine : Engine.values()) {
            cases.add(Arguments.of(engine, LayerSpec.Direction.FORWARD, 1, OutputMode.LAST));
            cases.add(Arguments.of(engine, LayerSpec.Direction.FORWARD, 2, OutputMode.SEQUENCE));
            cases.add(Arguments.of(engine, LayerSpec.Direction.FORWARD, 2, OutputMode.LAST));
            cases.add(Arguments.of(engine, LayerSpec.Direction.BIDIRECTIONAL_CONCAT, 1, OutputMode.LAST));
            cases.add(Arguments.of(engine, LayerSpec.Direction.BIDIRECTIONAL_CONCAT, 2, OutputMode.SEQUENCE));
            cases.add(Arguments.of(engine, LayerSpec.Direction.BIDIRECTIONAL_ADD, 1, OutputMode.SEQUENCE));
            cases.add(Arguments.of(engine, LayerSpec.Direction.BIDIRECTIONAL_ADD, 2, OutputMode.LAST));
        }
        return cases.stream();
    }

    private static NetworkSpec spec(LayerSpec.Direction direction, int layers, OutputMode output) {
        List<LayerSpec> list = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            list.add(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, UNITS, Activation.TANH, direction));
        }
        list.add(new LayerSpec.Output());
        return new NetworkSpec("gru", Shape.sequence(FEATURES), list, CLASSES, output);
    }

    private static Gru.Directions directions(LayerSpec.Direction d) {
        return switch (d) {
            case FORWARD -> Gru.Directions.FORWARD;
            case BIDIRECTIONAL_CONCAT -> Gru.Directions.CONCAT;
            case BIDIRECTIONAL_ADD -> Gru.Directions.ADD;
        };
    }

    private static INDArray labels(OutputMode output) {
        Nd4j.getRandom().setSeed(9);
        java.util.Random random = new java.util.Random(9);
        if (output == OutputMode.LAST) {
            INDArray y = Nd4j.zeros(DataType.FLOAT, LENGTHS.length, CLASSES);
            for (int b = 0; b < LENGTHS.length; b++) {
                y.putScalar(b, random.nextInt(CLASSES), 1);
            }
            return y;
        }
        INDArray y = Nd4j.zeros(DataType.FLOAT, LENGTHS.length, CLASSES, STEPS);
        for (int b = 0; b < LENGTHS.length; b++) {
            for (int t = 0; t < STEPS; t++) {
                y.putScalar(b, random.nextInt(CLASSES), t, 1);
            }
        }
        return y;
    }

    /** Score, gradients (by DL4J's keys) and inference output of a NetworkFactory network on the padded batch. */
    private record NetRun(double score, Map<String, INDArray> gradients, INDArray output) {
    }

    private static NetRun run(MultiLayerNetwork net, INDArray x, INDArray y, OutputMode output) {
        INDArray mask = mask(DataType.FLOAT);
        net.setInput(x);
        net.setLabels(y);
        net.setLayerMaskArrays(mask, output == OutputMode.SEQUENCE ? mask : null);
        net.computeGradientAndScore();
        Map<String, INDArray> grads = new java.util.TreeMap<>();
        net.gradient().gradientForVariable().forEach((k, v) -> grads.put(k, v.dup()));
        double score = net.score();
        INDArray out = net.output(x, false, mask, output == OutputMode.SEQUENCE ? mask : null);
        boolean oneDnn = "true".equals(System.getProperty("sparktrain.onednn"));
        for (Layer layer : net.getLayers()) {
            GruLayer gru = layer instanceof GruLayer g ? g
                    : layer instanceof org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer last
                    ? (GruLayer) last.getUnderlying() : null;
            if (gru != null) {
                assertEquals(oneDnn, gru.lastRanOneDnn(), "engine used by layer " + gru.getIndex());
            }
        }
        return new NetRun(score, grads, out);
    }

    @ParameterizedTest
    @MethodSource("networks")
    void networkLossGradientsAndOutputsEqualTheReference(Engine engine, LayerSpec.Direction direction, int layers,
                                                          OutputMode output) {
        NetworkSpec spec = spec(direction, layers, output);
        MultiLayerNetwork net = NetworkFactory.network(spec, SGD, 11);
        net.setParams(uniform(DataType.FLOAT, 19, 1, net.numParams()).muli(0.8));
        INDArray x = uniform(DataType.FLOAT, 5, LENGTHS.length, FEATURES, STEPS);
        INDArray y = labels(output);
        NetRun actual = engine.run(() -> run(net, x, y, output));

        Gru.Directions d = directions(direction);
        int out = d == Gru.Directions.CONCAT ? 2 * UNITS : UNITS;
        List<List<GruReference.Dir>> params = new ArrayList<>();
        List<List<GruReference.Dir>> expected = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            params.add(params(net.getLayer(l), d));
            expected.add(zeros(l == 0 ? FEATURES : out, d));
        }
        double[][] wo = net.getLayer(layers).getParam("W").toDoubleMatrix();
        double[] bo = net.getLayer(layers).getParam("b").toDoubleVector();
        double[][] dWo = new double[out][CLASSES];
        double[] dbo = new double[CLASSES];
        double loss = 0;
        int batch = LENGTHS.length;
        for (int b = 0; b < batch; b++) {
            int length = LENGTHS[b];
            double[][] seq = GruReference.sequence(x, b, length);
            List<GruReference.LayerRun> runs = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                GruReference.LayerRun r = new GruReference.LayerRun(d, params.get(l), seq);
                runs.add(r);
                seq = r.output();
            }
            double[][] dOut = new double[length][out];
            for (int t = output == OutputMode.LAST ? length - 1 : 0; t < length; t++) {
                double[] logits = bo.clone();
                for (int c = 0; c < CLASSES; c++) {
                    for (int j = 0; j < out; j++) {
                        logits[c] += seq[t][j] * wo[j][c];
                    }
                }
                double max = java.util.Arrays.stream(logits).max().orElseThrow();
                double sum = 0;
                for (int c = 0; c < CLASSES; c++) {
                    sum += Math.exp(logits[c] - max);
                }
                for (int c = 0; c < CLASSES; c++) {
                    double p = Math.exp(logits[c] - max) / sum;
                    double target = output == OutputMode.LAST ? y.getDouble(b, c) : y.getDouble(b, c, t);
                    close(p, output == OutputMode.LAST ? actual.output().getDouble(b, c)
                            : actual.output().getDouble(b, c, t), 2e-5, "probability " + b + "," + c + "," + t);
                    if (target == 1) {
                        loss -= Math.log(p);
                    }
                    // DL4J's gradients are minibatch sums (its updater divides by the minibatch size).
                    double dl = p - target;
                    dbo[c] += dl;
                    for (int j = 0; j < out; j++) {
                        dWo[j][c] += seq[t][j] * dl;
                        dOut[t][j] += wo[j][c] * dl;
                    }
                }
            }
            for (int l = layers - 1; l >= 0; l--) {
                dOut = runs.get(l).backward(dOut, expected.get(l));
            }
        }
        close(loss / batch, actual.score(), 2e-5, "loss");
        for (int l = 0; l < layers; l++) {
            sameGradients(expected.get(l), actual.gradients(), l + "_", d, 2e-5);
        }
        matrix(dWo, actual.gradients().get(layers + "_W"), 2e-5, "output W");
        matrix(new double[][] {dbo}, actual.gradients().get(layers + "_b"), 2e-5, "output b");
    }

    @ParameterizedTest
    @EnumSource(LayerSpec.Direction.class)
    void oneDnnAndNd4jGiveTheSameLossGradientsAndOutputs(LayerSpec.Direction direction) {
        MultiLayerNetwork net = NetworkFactory.network(spec(direction, 2, OutputMode.SEQUENCE), SGD, 11);
        net.setParams(uniform(DataType.FLOAT, 19, 1, net.numParams()).muli(0.8));
        INDArray x = uniform(DataType.FLOAT, 5, LENGTHS.length, FEATURES, STEPS);
        INDArray y = labels(OutputMode.SEQUENCE);
        NetRun nd4j = Engine.ND4J.run(() -> run(net, x, y, OutputMode.SEQUENCE));
        NetRun onednn = Engine.ONEDNN.run(() -> run(net, x, y, OutputMode.SEQUENCE));
        sameRuns(nd4j, onednn, 1e-5);
    }

    /** The sequential-MNIST geometry (28 inputs, 128 units, 32 sequences of up to 28 steps), where oneDNN's JIT
     * kernels block their work differently than at toy sizes: training forward, backward and inference agree. */
    @ParameterizedTest
    @EnumSource(Gru.Directions.class)
    void atSequentialMnistSizeOneDnnEqualsNd4j(Gru.Directions d) {
        int inputs = 28;
        int batch = 32;
        int steps = 28;
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .seed(3).weightInit(WeightInit.XAVIER).list().layer(new Gru(128, d))
                .setInputType(InputType.recurrent(inputs)).build());
        net.init();
        net.initGradientsView();
        net.setParams(uniform(DataType.FLOAT, 23, 1, net.numParams()).muli(0.2));
        INDArray x = uniform(DataType.FLOAT, 29, batch, inputs, steps);
        INDArray mask = Nd4j.ones(DataType.FLOAT, batch, steps);
        for (int b = 0; b < batch; b += 3) {
            mask.get(NDArrayIndex.point(b), NDArrayIndex.interval(steps - 1 - b / 3, steps)).assign(0);
        }
        INDArray g = uniform(DataType.FLOAT, 31, batch, d == Gru.Directions.CONCAT ? 256 : 128, steps);
        Supplier<List<INDArray>> run = () -> {
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            Layer layer = net.getLayer(0);
            layer.setMaskArray(mask);
            layer.setInput(x, mgr);
            INDArray inference = layer.activate(false, mgr).dup();
            INDArray out = layer.activate(true, mgr).dup();
            Pair<Gradient, INDArray> p = layer.backpropGradient(g, mgr);
            List<INDArray> all = new ArrayList<>(List.of(inference, out, p.getSecond().dup()));
            p.getFirst().gradientForVariable().values().forEach(v -> all.add(v.dup()));
            return all;
        };
        List<INDArray> nd4j = Engine.ND4J.run(run);
        List<INDArray> onednn = Engine.ONEDNN.run(run);
        assertTrue(((GruLayer) net.getLayer(0)).lastRanOneDnn());
        assertEquals(nd4j.size(), onednn.size());
        for (int k = 0; k < nd4j.size(); k++) {
            double[] e = nd4j.get(k).dup('c').data().asDouble();
            double[] a = onednn.get(k).dup('c').data().asDouble();
            for (int i = 0; i < e.length; i++) {
                close(e[i], a[i], 1e-4, "array " + k + " [" + i + "]");
            }
        }
    }

    @Test
    void oneDnnPrimitivesForOneAndTwoThreadsAgree() {
        MultiLayerNetwork net = NetworkFactory.network(spec(LayerSpec.Direction.BIDIRECTIONAL_CONCAT, 1,
                OutputMode.SEQUENCE), SGD, 11);
        net.setParams(uniform(DataType.FLOAT, 19, 1, net.numParams()).muli(0.8));
        INDArray x = uniform(DataType.FLOAT, 5, LENGTHS.length, FEATURES, STEPS);
        INDArray y = labels(OutputMode.SEQUENCE);
        try {
            Dnnl.setThreads(1);
            NetRun one = Engine.ONEDNN.run(() -> run(net, x, y, OutputMode.SEQUENCE));
            Dnnl.setThreads(2);
            NetRun two = Engine.ONEDNN.run(() -> run(net, x, y, OutputMode.SEQUENCE));
            sameRuns(one, two, 1e-6);
        } finally {
            Dnnl.setThreads(0);
        }
    }

    /**
     * oneDNN's default scratch memory is per thread and set up where a primitive is created: a GRU primitive built
     * in one thread and run from another (a Spark task thread after the first minibatch's) crashed the JVM before
     * the primitives got their own.
     */
    @Test
    void oneDnnPrimitivesRunFromAnotherThreadGiveTheSameResults() throws InterruptedException {
        MultiLayerNetwork net = NetworkFactory.network(spec(LayerSpec.Direction.BIDIRECTIONAL_CONCAT, 1,
                OutputMode.SEQUENCE), SGD, 13);
        net.setParams(uniform(DataType.FLOAT, 23, 1, net.numParams()).muli(0.8));
        INDArray x = uniform(DataType.FLOAT, 7, LENGTHS.length, FEATURES, STEPS);
        INDArray y = labels(OutputMode.SEQUENCE);
        NetRun here = Engine.ONEDNN.run(() -> run(net, x, y, OutputMode.SEQUENCE));
        NetRun[] there = new NetRun[1];
        Thread other = new Thread(() -> there[0] = Engine.ONEDNN.run(() -> run(net, x, y, OutputMode.SEQUENCE)));
        other.start();
        other.join();
        sameRuns(here, there[0], 0);
    }

    private static void sameRuns(NetRun expected, NetRun actual, double tolerance) {
        close(expected.score(), actual.score(), tolerance, "loss");
        assertEquals(expected.gradients().keySet(), actual.gradients().keySet());
        expected.gradients().forEach((k, e) -> {
            double[] a = actual.gradients().get(k).dup().data().asDouble();
            double[] ev = e.dup().data().asDouble();
            for (int i = 0; i < ev.length; i++) {
                close(ev[i], a[i], tolerance, k + "[" + i + "]");
            }
        });
        double[] eo = expected.output().dup('c').data().asDouble();
        double[] ao = actual.output().dup('c').data().asDouble();
        for (int i = 0; i < eo.length; i++) {
            close(eo[i], ao[i], tolerance, "output[" + i + "]");
        }
    }

    @Test
    void stepByStepOutputContinuesTheSequenceAsTheWholeSequenceDoes() {
        MultiLayerNetwork net = stack(DataType.DOUBLE, Gru.Directions.FORWARD, 2);
        INDArray x = uniform(DataType.DOUBLE, 5, 2, FEATURES, STEPS);
        INDArray whole = net.output(x);
        net.rnnClearPreviousState();
        for (int t = 0; t < STEPS; t++) {
            INDArray step = net.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t)));
            for (int b = 0; b < 2; b++) {
                for (int j = 0; j < UNITS; j++) {
                    close(whole.getDouble(b, j, t), step.getDouble(b, j), 1e-12, "step " + t);
                }
            }
        }
        net.rnnClearPreviousState();
        INDArray first = net.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0)));
        close(whole.getDouble(1, 2, 0), first.getDouble(1, 2), 1e-12, "after clearing the state");
        MultiLayerNetwork bidirectional = stack(DataType.DOUBLE, Gru.Directions.CONCAT, 1);
        Exception e = assertThrows(UnsupportedOperationException.class, () -> bidirectional.rnnTimeStep(x));
        assertTrue(e.getMessage().contains("(gru) does not support step-by-step output"), e.getMessage());
    }

    @Test
    void weightsStartXavierScaledAndBiasesAtZero() {
        MultiLayerNetwork net = NetworkFactory.network(spec(LayerSpec.Direction.BIDIRECTIONAL_CONCAT, 1,
                OutputMode.LAST), SGD, 11);
        Layer gru = ((org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer) net.getLayer(0)).getUnderlying();
        for (String p : Gru.Directions.CONCAT.prefixes()) {
            // DL4J's Xavier: normal with variance 2 / (fanIn + fanOut), fanOut the three gates' units.
            double expected = Math.sqrt(2.0 / (FEATURES + 3 * UNITS));
            double std = gru.getParam(p + "W").stdNumber().doubleValue();
            assertTrue(std > 0.5 * expected && std < 1.5 * expected, p + "W std " + std + " vs " + expected);
            double recurrent = Math.sqrt(2.0 / (UNITS + 3 * UNITS));
            std = gru.getParam(p + "RW").stdNumber().doubleValue();
            assertTrue(std > 0.5 * recurrent && std < 1.5 * recurrent, p + "RW std " + std + " vs " + recurrent);
            assertEquals(0, gru.getParam(p + "b").norm1Number().doubleValue());
            assertEquals(0, gru.getParam(p + "rb").norm1Number().doubleValue());
        }
        assertTrue(gru.getParam("fW").neq(gru.getParam("bW")).any(), "directions start apart");
    }

    @Test
    void aMaskWithAGapIsRejectedNamingTheExample() {
        MultiLayerNetwork net = stack(DataType.FLOAT, Gru.Directions.FORWARD, 1);
        INDArray x = uniform(DataType.FLOAT, 5, 2, FEATURES, 4);
        INDArray mask = Nd4j.createFromArray(new float[][] {{1, 1, 1, 1}, {1, 0, 1, 0}});
        Layer layer = net.getLayer(0);
        layer.setMaskArray(mask);
        layer.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        Exception e = assertThrows(Exception.class, () -> layer.activate(false, LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("example 1") && e.getMessage().contains("left-aligned"),
                e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Gru.Directions.class)
    void configurationRoundTripsThroughJson(Gru.Directions d) {
        MultiLayerConfiguration conf = NetworkFactory.configuration(spec(switch (d) {
            case FORWARD -> LayerSpec.Direction.FORWARD;
            case CONCAT -> LayerSpec.Direction.BIDIRECTIONAL_CONCAT;
            case ADD -> LayerSpec.Direction.BIDIRECTIONAL_ADD;
        }, 2, OutputMode.LAST), SGD, 3);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        MultiLayerNetwork a = NetworkFactory.build(conf);
        MultiLayerNetwork b = NetworkFactory.build(back);
        b.setParams(a.params());
        INDArray x = uniform(DataType.FLOAT, 5, LENGTHS.length, FEATURES, STEPS);
        assertEquals(a.output(x), b.output(x));
    }
}
