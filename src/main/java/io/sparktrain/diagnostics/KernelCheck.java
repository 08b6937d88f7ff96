package io.sparktrain.diagnostics;

import io.sparktrain.nn.Dl4jConvHelper;
import io.sparktrain.nn.Dnnl;
import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.nn.Gru;
import io.sparktrain.nn.OnednnLstm;
import io.sparktrain.nn.OnednnLstmLayer;
import java.util.ArrayList;

import java.io.Serializable;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Runs the layers training uses (DL4J's convolution, max pooling and LSTM, on whatever native build is loaded, and
 * the oneDNN fused convolution + pooling block, LSTM and GRU) on
 * fixed small inputs and compares them with plain-Java references, so that a node with a broken or mismatched
 * native library fails before it trains garbage.
 */
public final class KernelCheck {
    /** Largest absolute difference accepted (float32 kernels against double references). */
    public static final double TOLERANCE = 1e-4;

    /**
     * One kernel's comparison.
     *
     * @param kernel what was run
     * @param maxAbsError largest absolute difference from the reference
     * @param passed whether it is within {@link #TOLERANCE}
     */
    public record Result(String kernel, double maxAbsError, boolean passed) implements Serializable {
    }

    private KernelCheck() {
    }

    /** All checks: the fused oneDNN block and the oneDNN LSTM too when training uses them ({@link Dnnl#usable()}). */
    public static List<Result> run() {
        List<Result> checks = new ArrayList<>(List.of(convolution(), maxPooling(), lstm()));
        if (Dnnl.usable()) {
            checks.add(fusedBlock());
            checks.add(onednnLstm());
            checks.add(gru());
        }
        return List.copyOf(checks);
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static Result result(String kernel, double[] expected, INDArray actual) {
        double[] a = actual.dup('c').data().asDouble();
        if (a.length != expected.length) {
            return new Result(kernel + " (got " + a.length + " values, expected " + expected.length + ")",
                    Double.POSITIVE_INFINITY, false);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - expected[i]);
            max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
        }
        return new Result(kernel, max, max <= TOLERANCE);
    }

    /** Conv 3x3, 2 -> 3 channels, stride 1, padding 1, on a 2x2x5x5 batch. */
    static Result convolution() {
        int n = 2, c = 2, h = 5, w = 5, o = 3, k = 3, pad = 1;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(k, k).stride(1, 1).padding(pad, pad).nOut(o)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(h, w, c)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Dl4jConvHelper.useForConvolution(net); // the path training takes
        float[][] params = fixConvolution(net, o, c, k, 1);
        float[] x = random(n * c * h * w, 3);
        double[] expected = referenceConvolution(x, params[0], params[1], n, c, h, w, o, k, pad);
        return result("conv2d 3x3 pad 1", expected, net.output(Nd4j.create(x, new long[] {n, c, h, w}, 'c')));
    }

    /** Max pooling 2x2 stride 2 on a 2x3x6x6 batch. */
    static Result maxPooling() {
        int n = 2, c = 3, h = 6, w = 6;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .setInputType(InputType.convolutional(h, w, c)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        float[] x = random(n * c * h * w, 4);
        double[] expected = referenceMaxPool(toDouble(x), n * c, h, w);
        return result("maxpool 2x2", expected, net.output(Nd4j.create(x, new long[] {n, c, h, w}, 'c')));
    }

    /**
     * The fused oneDNN block training runs for convolution + ReLU + max pooling (conv 3x3 pad 1, 2 -> 3 channels,
     * pooling 2x2, on a 2x2x6x6 batch).
     */
    static Result fusedBlock() {
        int n = 2, c = 2, h = 6, w = 6, o = 3, k = 3, pad = 1;
        ConvolutionLayer.Builder conv = new ConvolutionLayer.Builder(k, k).stride(1, 1).padding(pad, pad).nOut(o)
                .activation(Activation.RELU);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new FusedConvPool(conv, PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2}))
                .setInputType(InputType.convolutional(h, w, c)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        float[][] params = fixConvolution(net, o, c, k, 9);
        float[] x = random(n * c * h * w, 11);
        double[] convolved = referenceConvolution(x, params[0], params[1], n, c, h, w, o, k, pad);
        for (int i = 0; i < convolved.length; i++) {
            convolved[i] = Math.max(0, convolved[i]);
        }
        double[] expected = referenceMaxPool(convolved, n * o, h, w);
        return result("fused conv+relu+maxpool", expected,
                net.output(Nd4j.create(x, new long[] {n, c, h, w}, 'c')));
    }

    /** Gives the first layer (a convolution) fixed random weights and bias; returns them, weights first. */
    private static float[][] fixConvolution(MultiLayerNetwork net, int o, int c, int k, long seed) {
        float[] weights = random(o * c * k * k, seed);
        float[] bias = random(o, seed + 1);
        net.getLayer(0).setParam("W", Nd4j.create(weights, new long[] {o, c, k, k}, 'c'));
        net.getLayer(0).setParam("b", Nd4j.create(bias, new long[] {1, o}, 'c'));
        return new float[][] {weights, bias};
    }

    /** Stride-1 convolution of {@code [n, c, h, w]} by {@code [o, c, k, k]} with zero padding {@code pad}. */
    private static double[] referenceConvolution(float[] x, float[] weights, float[] bias, int n, int c, int h,
                                                 int w, int o, int k, int pad) {
        int oh = h - k + 2 * pad + 1;
        int ow = w - k + 2 * pad + 1;
        double[] out = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int f = 0; f < o; f++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias[f];
                        for (int ch = 0; ch < c; ch++) {
                            for (int ki = 0; ki < k; ki++) {
                                for (int kj = 0; kj < k; kj++) {
                                    int y = i + ki - pad;
                                    int z = j + kj - pad;
                                    if (y >= 0 && y < h && z >= 0 && z < w) {
                                        s += weights[((f * c + ch) * k + ki) * k + kj]
                                                * x[((b * c + ch) * h + y) * w + z];
                                    }
                                }
                            }
                        }
                        out[((b * o + f) * oh + i) * ow + j] = s;
                    }
                }
            }
        }
        return out;
    }

    /** 2x2 stride-2 max pooling of {@code planes} planes of {@code h x w}. */
    private static double[] referenceMaxPool(double[] x, int planes, int h, int w) {
        double[] out = new double[planes * (h / 2) * (w / 2)];
        for (int b = 0; b < planes; b++) {
            for (int i = 0; i < h / 2; i++) {
                for (int j = 0; j < w / 2; j++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int di = 0; di < 2; di++) {
                        for (int dj = 0; dj < 2; dj++) {
                            m = Math.max(m, x[(b * h + 2 * i + di) * w + 2 * j + dj]);
                        }
                    }
                    out[(b * (h / 2) + i) * (w / 2) + j] = m;
                }
            }
        }
        return out;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /**
     * Two steps of an LSTM (3 inputs, 4 units; the second step exercises the recurrent weights), read through the
     * layer's activations. DL4J's gate blocks are, in order: block input (tanh), forget, output, input gate.
     */
    static Result lstm() {
        int n = 2, in = 3, units = 4, steps = 2;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new LSTM.Builder().nOut(units).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(in)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        float[] wx = random(in * 4 * units, 5);
        float[] wh = random(units * 4 * units, 6);
        float[] b = random(4 * units, 7);
        float[] x = random(n * in * steps, 8);
        net.getLayer(0).setParam("W", Nd4j.create(wx, new long[] {in, 4 * units}, 'c'));
        net.getLayer(0).setParam("RW", Nd4j.create(wh, new long[] {units, 4 * units}, 'c'));
        net.getLayer(0).setParam("b", Nd4j.create(b, new long[] {1, 4 * units}, 'c'));
        int[] start = new int[n];
        int[] length = {steps, steps};
        double[] expected = referenceLstm(x, wx, wh, b, n, in, units, steps, start, length);
        INDArray features = Nd4j.create(x, new long[] {n, in, steps}, 'c');
        return result("lstm 2 steps", expected, net.feedForward(features, false).get(1));
    }

    /**
     * The oneDNN LSTM layer training uses ({@link OnednnLstmLayer}, 3 inputs, 4 units, 5 steps) on three sequences:
     * one of 5 steps, one of 3 padded at its end, one of 3 padded at its start (as the backward copy of a
     * bidirectional layer gets it), read through the layer's activations: each sequence runs from its own first
     * step with a zero state, zeros elsewhere.
     */
    static Result onednnLstm() {
        int n = 3, in = 3, units = 4, steps = 5;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(OnednnLstm.of(new LSTM.Builder().nOut(units).activation(Activation.TANH).build()))
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(in)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        String name = "onednn lstm 5 steps, masked";
        if (!(net.getLayer(0) instanceof OnednnLstmLayer)) {
            return new Result(name + " (built " + net.getLayer(0).getClass().getSimpleName() + ")",
                    Double.POSITIVE_INFINITY, false);
        }
        float[] wx = random(in * 4 * units, 15);
        float[] wh = random(units * 4 * units, 16);
        float[] b = random(4 * units, 17);
        float[] x = random(n * in * steps, 18);
        net.getLayer(0).setParam("W", Nd4j.create(wx, new long[] {in, 4 * units}, 'c'));
        net.getLayer(0).setParam("RW", Nd4j.create(wh, new long[] {units, 4 * units}, 'c'));
        net.getLayer(0).setParam("b", Nd4j.create(b, new long[] {1, 4 * units}, 'c'));
        int[] start = {0, 0, 2};
        int[] length = {5, 3, 3};
        float[] mask = new float[n * steps];
        for (int s = 0; s < n; s++) {
            for (int t = start[s]; t < start[s] + length[s]; t++) {
                mask[s * steps + t] = 1f;
            }
        }
        double[] expected = referenceLstm(x, wx, wh, b, n, in, units, steps, start, length);
        INDArray features = Nd4j.create(x, new long[] {n, in, steps}, 'c');
        INDArray maskArray = Nd4j.create(mask, new long[] {n, steps}, 'c');
        // Given the mask as LastTimeStep gives it, so the padding's outputs are zero as in the reference.
        net.getLayer(0).setMaskArray(maskArray);
        INDArray out = net.getLayer(0).activate(features, false,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        net.getLayer(0).setMaskArray(null);
        return result(name, expected, out);
    }

    /**
     * The LSTM in double precision, {@code x} as {@code [n, in, steps]}, DL4J's parameter layout (gate blocks:
     * block input (tanh), forget, output, input gate); sequence {@code s} runs from step {@code start[s]} for {@code
     * length[s]} steps from a zero state. Returns {@code [n, units, steps]}, zero outside the runs.
     */
    private static double[] referenceLstm(float[] x, float[] wx, float[] wh, float[] b, int n, int in, int units,
                                          int steps, int[] start, int[] length) {
        double[] expected = new double[n * units * steps];
        for (int s = 0; s < n; s++) {
            double[] hPrev = new double[units];
            double[] cPrev = new double[units];
            for (int t = start[s]; t < start[s] + length[s]; t++) {
                double[] z = new double[4 * units];
                for (int g = 0; g < 4 * units; g++) {
                    double v = b[g];
                    for (int i = 0; i < in; i++) {
                        v += x[(s * in + i) * steps + t] * wx[i * 4 * units + g];
                    }
                    for (int u = 0; u < units; u++) {
                        v += hPrev[u] * wh[u * 4 * units + g];
                    }
                    z[g] = v;
                }
                double[] h = new double[units];
                for (int u = 0; u < units; u++) {
                    double block = Math.tanh(z[u]);
                    double forget = sigmoid(z[units + u]);
                    double output = sigmoid(z[2 * units + u]);
                    double input = sigmoid(z[3 * units + u]);
                    cPrev[u] = forget * cPrev[u] + input * block;
                    h[u] = output * Math.tanh(cPrev[u]);
                    expected[(s * units + u) * steps + t] = h[u];
                }
                hPrev = h;
            }
        }
        return expected;
    }

    /**
     * Three steps of the GRU layer on oneDNN's primitives (3 inputs, 4 units, both directions concatenated, so the
     * second direction's per-sequence reversal is checked too), against PyTorch's equations; gate blocks r, z, n.
     */
    static Result gru() {
        int n = 2, in = 3, units = 4, steps = 3;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new Gru(units, Gru.Directions.CONCAT))
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(in)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        float[] x = random(n * in * steps, 12);
        double[] expected = new double[n * 2 * units * steps];
        for (int d = 0; d < 2; d++) {
            String p = d == 0 ? "f" : "b";
            float[] w = random(in * 3 * units, 13 + 4 * d);
            float[] rw = random(units * 3 * units, 14 + 4 * d);
            float[] b = random(3 * units, 15 + 4 * d);
            float[] rb = random(3 * units, 16 + 4 * d);
            net.getLayer(0).setParam(p + "W", Nd4j.create(w, new long[] {in, 3 * units}, 'c'));
            net.getLayer(0).setParam(p + "RW", Nd4j.create(rw, new long[] {units, 3 * units}, 'c'));
            net.getLayer(0).setParam(p + "b", Nd4j.create(b, new long[] {1, 3 * units}, 'c'));
            net.getLayer(0).setParam(p + "rb", Nd4j.create(rb, new long[] {1, 3 * units}, 'c'));
            for (int s = 0; s < n; s++) {
                double[] prev = new double[units];
                for (int k = 0; k < steps; k++) {
                    int t = d == 0 ? k : steps - 1 - k;
                    double[] h = new double[units];
                    for (int u = 0; u < units; u++) {
                        double[] gx = {b[u], b[units + u], b[2 * units + u]};
                        double[] gh = {rb[u], rb[units + u], rb[2 * units + u]};
                        for (int g = 0; g < 3; g++) {
                            for (int i = 0; i < in; i++) {
                                gx[g] += x[(s * in + i) * steps + t] * w[i * 3 * units + g * units + u];
                            }
                            for (int v = 0; v < units; v++) {
                                gh[g] += prev[v] * rw[v * 3 * units + g * units + u];
                            }
                        }
                        double r = sigmoid(gx[0] + gh[0]);
                        double z = sigmoid(gx[1] + gh[1]);
                        double cand = Math.tanh(gx[2] + r * gh[2]);
                        h[u] = (1 - z) * cand + z * prev[u];
                        expected[(s * 2 * units + d * units + u) * steps + t] = h[u];
                    }
                    prev = h;
                }
            }
        }
        INDArray features = Nd4j.create(x, new long[] {n, in, steps}, 'c');
        return result("gru 3 steps bidirectional", expected, net.feedForward(features, false).get(1));
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
