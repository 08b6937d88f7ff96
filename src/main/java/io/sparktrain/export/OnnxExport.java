package io.sparktrain.export;

import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.nn.Gru;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exports a trained DL4J {@link MultiLayerNetwork} as an ONNX model (opset {@value #OPSET}) for inference outside
 * the JVM, e.g. with ONNX Runtime.
 *
 * <p>The model has one input, {@code input}, in DL4J's own layout with a dynamic batch dimension {@code N}:
 * {@code [N, channels, height, width]} (NCHW) for a convolutional network, {@code [N, features, steps]} (DL4J's
 * NCW) for a recurrent one, {@code [N, features]} for a dense one. Its one output, {@code probabilities}, has the
 * layout of {@link MultiLayerNetwork#output}: {@code [N, classes]}, or {@code [N, classes, steps]} for a per-step
 * {@link RnnOutputLayer}. All tensors are float32.
 *
 * <p>Masks are not exported: the model reads every step of every sequence, as DL4J does when it is given no mask.
 * A many-to-one network ({@link LastTimeStep}) therefore takes step {@code steps - 1} of each sequence; pad nothing,
 * or run sequences of one length per batch.
 *
 * <p>Supported layers: {@link ConvolutionLayer} (Truncate, Strict or Same mode, explicit padding, stride, dilation,
 * NCHW), {@link SubsamplingLayer} (MAX, or AVG without dilation), sparktrain's {@link FusedConvPool}, {@link
 * DenseLayer}, {@link DropoutLayer} (identity at inference), {@link OutputLayer}, {@link RnnOutputLayer}, {@link
 * LSTM} (sigmoid gates), {@link SimpleRnn} (without layer normalisation), {@link Bidirectional} (CONCAT or ADD, over
 * LSTM or SimpleRnn), sparktrain's {@link Gru} (as ONNX's GRU with linear_before_reset = 1, one direction or
 * both) and {@link LastTimeStep} around any of the recurrent ones; activations identity, ReLU, leaky
 * ReLU, tanh, sigmoid and softmax (output layers); the {@link CnnToFeedForwardPreProcessor} DL4J puts between a
 * feature map and a dense layer. Anything else is rejected with an {@link IllegalArgumentException} naming the
 * layer.
 */
public final class OnnxExport {
    /** The ONNX operator set the model imports. */
    public static final int OPSET = 13;
    /** The ONNX IR version that goes with {@link #OPSET}. */
    public static final long IR_VERSION = 7;
    /** Name of the model's input. */
    public static final String INPUT = "input";
    /** Name of the model's output. */
    public static final String OUTPUT = "probabilities";

    private static final String BATCH = "N";
    private static final String STEPS = "T";

    private OnnxExport() {
    }

    /** What flows between two layers: a tensor name and the shape of one example. */
    private record Flow(String name, Kind kind, long channels, long height, long width) {
        enum Kind { MAP, VECTOR, SEQUENCE }

        static Flow map(String name, long c, long h, long w) {
            return new Flow(name, Kind.MAP, c, h, w);
        }

        static Flow vector(String name, long size) {
            return new Flow(name, Kind.VECTOR, size, 1, 1);
        }

        /** {@code steps} is -1 when it varies. */
        static Flow sequence(String name, long features, long steps) {
            return new Flow(name, Kind.SEQUENCE, features, 1, steps);
        }

        long steps() {
            return width;
        }

        String describe() {
            return switch (kind) {
                case MAP -> "a feature map [" + channels + ", " + height + ", " + width + "]";
                case VECTOR -> "a vector [" + channels + "]";
                case SEQUENCE -> "a sequence [" + channels + " x " + (width < 0 ? "steps" : width) + "]";
            };
        }
    }

    /**
     * Translates {@code network} into an ONNX model.
     *
     * @param network a trained network; its parameters are copied (a double-precision network's rounded to float32)
     * @param exampleShape the shape of one example without the batch dimension, in DL4J's layout: {@code [channels,
     *     height, width]} for a convolutional network, {@code [features, steps]} for a recurrent one ({@code steps}
     *     -1 for any length), {@code [features]} for a dense one
     * @return the model, input {@value #INPUT}, output {@value #OUTPUT}
     * @throws IllegalArgumentException naming the first layer (index and class) the exporter does not support, or
     *     the example shape when it does not fit the first layer
     */
    public static Onnx.ModelProto toOnnx(MultiLayerNetwork network, long[] exampleShape) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(exampleShape, "exampleShape");
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        OnnxGraph g = new OnnxGraph();
        Flow input = input(exampleShape);
        Flow x = input;
        for (int i = 0; i < network.getnLayers(); i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            Layer layer = conf.getConf(i).getLayer();
            if (pre != null) {
                x = preprocess(g, i, layer, pre, x);
            }
            x = layer(g, i, layer, network.getLayer(i).paramTable(), x);
        }
        if (x.name().equals(INPUT)) {
            throw new IllegalArgumentException("ONNX export: the network computes nothing (only dropout layers)");
        }
        g.renameLastOutput(x.name(), OUTPUT);

        Onnx.GraphProto.Builder graph = g.proto()
                .setName("sparktrain")
                .setDocString(layerSummary(conf))
                .addInput(OnnxGraph.floatValue(INPUT, "one example per row of the batch, in DL4J's layout "
                        + (input.kind() == Flow.Kind.MAP ? "NCHW" : input.kind() == Flow.Kind.SEQUENCE
                        ? "[N, features, steps] (NCW); no mask, every step is read" : "[N, features]"),
                        dims(input)))
                .addOutput(OnnxGraph.floatValue(OUTPUT, "what MultiLayerNetwork.output(input, false) returns",
                        dims(x)));
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("sparktrain")
                .setDocString("A DL4J MultiLayerNetwork exported by sparktrain (io.sparktrain.export.OnnxExport). "
                        + "Input '" + INPUT + "' and output '" + OUTPUT + "' keep DL4J's layouts; the batch "
                        + "dimension N is dynamic. Sequence masks are not exported: the model reads full-length "
                        + "sequences.")
                .setGraph(graph)
                .build();
    }

    /**
     * Writes {@code model} in ONNX's binary format (the protobuf encoding that {@code .onnx} files hold). The stream
     * is flushed, not closed.
     *
     * @throws UncheckedIOException when the stream fails
     */
    public static void write(Onnx.ModelProto model, OutputStream out) {
        try {
            model.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ONNX model: " + e.getMessage(), e);
        }
    }

    private static Flow input(long[] shape) {
        for (int d = 0; d < shape.length; d++) {
            boolean dynamicSteps = shape.length == 2 && d == 1 && shape[d] == -1;
            if (shape[d] <= 0 && !dynamicSteps) {
                throw new IllegalArgumentException("exampleShape " + Arrays.toString(shape) + ": size " + shape[d]
                        + " at index " + d + " must be > 0" + (shape.length == 2 ? " (steps may be -1)" : ""));
            }
        }
        return switch (shape.length) {
            case 1 -> Flow.vector(INPUT, shape[0]);
            case 2 -> Flow.sequence(INPUT, shape[0], shape[1]);
            case 3 -> Flow.map(INPUT, shape[0], shape[1], shape[2]);
            default -> throw new IllegalArgumentException("exampleShape " + Arrays.toString(shape) + " must be "
                    + "[channels, height, width], [features, steps] or [features]");
        };
    }

    private static List<Object> dims(Flow f) {
        List<Object> dims = new ArrayList<>();
        dims.add(BATCH);
        dims.add(f.channels());
        if (f.kind() == Flow.Kind.MAP) {
            dims.add(f.height());
            dims.add(f.width());
        } else if (f.kind() == Flow.Kind.SEQUENCE) {
            dims.add(f.steps() < 0 ? STEPS : (Object) f.steps());
        }
        return dims;
    }

    private static String layerSummary(MultiLayerConfiguration conf) {
        StringBuilder s = new StringBuilder("Layers of the DL4J network:");
        for (int i = 0; i < conf.getConfs().size(); i++) {
            s.append("\n").append(i).append(": ").append(describe(conf.getConf(i).getLayer()));
        }
        return s.toString();
    }

    private static String describe(Layer layer) {
        if (layer instanceof LastTimeStep l) {
            return "LastTimeStep(" + describe(l.getUnderlying()) + ")";
        }
        if (layer instanceof Bidirectional b) {
            return "Bidirectional " + b.getMode() + "(" + describe(b.getFwd()) + ")";
        }
        return layer.getClass().getSimpleName();
    }

    private static IllegalArgumentException unsupported(int i, Layer layer, String why) {
        return new IllegalArgumentException("ONNX export: layer " + i + " (" + describe(layer) + ") " + why);
    }

    // ---------------------------------------------------------------------------------------------- layers

    private static Flow preprocess(OnnxGraph g, int i, Layer layer, InputPreProcessor pre, Flow x) {
        if (pre instanceof CnnToFeedForwardPreProcessor cnn && cnn.getFormat() == CNN2DFormat.NCHW
                && x.kind() == Flow.Kind.MAP) {
            // DL4J flattens NCHW in 'c' order, channel-major: exactly Flatten(axis = 1).
            String flat = g.node("Flatten", "layer " + i + ": CnnToFeedForwardPreProcessor", List.of(x.name()),
                    OnnxGraph.attr("axis", 1L));
            return Flow.vector(flat, x.channels() * x.height() * x.width());
        }
        throw unsupported(i, layer, "has input preprocessor " + pre.getClass().getSimpleName()
                + " on " + x.describe() + ", which the export does not support");
    }

    private static Flow layer(OnnxGraph g, int i, Layer layer, Map<String, INDArray> params, Flow x) {
        if (layer instanceof DropoutLayer) {
            return x; // Identity at inference: DL4J's output(features, false) applies no dropout.
        }
        if (layer instanceof LastTimeStep last) {
            Flow seq = recurrent(g, i, layer, last.getUnderlying(), params, x);
            // Without a mask DL4J's LastTimeStep takes step T-1 of the sequence it gets, for a bidirectional layer
            // too: there the backward direction has seen only that one step (it is not ONNX's Y_h).
            String index = g.longs("last_step", new long[0], -1L);
            String last1 = g.node("Gather", "layer " + i + ": LastTimeStep, step T-1", List.of(seq.name(), index),
                    OnnxGraph.attr("axis", 2L));
            return Flow.vector(last1, seq.channels());
        }
        if (layer instanceof Bidirectional || layer instanceof LSTM || layer instanceof SimpleRnn
                || layer instanceof Gru) {
            return recurrent(g, i, layer, layer, params, x);
        }
        if (layer instanceof FusedConvPool fused) {
            Flow conv = convolution(g, i, fused, params, x);
            return pooling(g, i, layer, fused.getPoolingType(), fused.getPoolKernel(), fused.getPoolStride(),
                    new int[] {0, 0}, new int[] {1, 1}, ConvolutionMode.Truncate, false, conv);
        }
        if (layer.getClass() == ConvolutionLayer.class) {
            return convolution(g, i, (ConvolutionLayer) layer, params, x);
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer s = (SubsamplingLayer) layer;
            if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                throw unsupported(i, layer, "uses data format " + s.getCnn2dDataFormat() + "; only NCHW is exported");
            }
            return pooling(g, i, layer, s.getPoolingType(), s.getKernelSize(), s.getStride(), s.getPadding(),
                    s.getDilation(), s.getConvolutionMode(), s.isAvgPoolIncludePadInDivisor(), x);
        }
        if (layer.getClass() == DenseLayer.class) {
            DenseLayer d = (DenseLayer) layer;
            if (d.hasLayerNorm()) {
                throw unsupported(i, layer, "has layer normalisation, which the export does not support");
            }
            return dense(g, i, layer, d.getNIn(), d.getNOut(), d.hasBias(), d.getActivationFn(), params, x);
        }
        if (layer.getClass() == OutputLayer.class) {
            OutputLayer o = (OutputLayer) layer;
            return dense(g, i, layer, o.getNIn(), o.getNOut(), o.hasBias(), o.getActivationFn(), params, x);
        }
        if (layer.getClass() == RnnOutputLayer.class) {
            return rnnOutput(g, i, (RnnOutputLayer) layer, params, x);
        }
        throw unsupported(i, layer, "is not supported by the ONNX export (supported: ConvolutionLayer, "
                + "SubsamplingLayer, FusedConvPool, DenseLayer, DropoutLayer, OutputLayer, RnnOutputLayer, LSTM, "
                + "SimpleRnn, Bidirectional, Gru, LastTimeStep)");
    }

    private static Flow convolution(OnnxGraph g, int i, ConvolutionLayer c, Map<String, INDArray> params, Flow x) {
        if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw unsupported(i, c, "uses data format " + c.getCnn2dDataFormat() + "; only NCHW is exported");
        }
        requireKind(i, c, x, Flow.Kind.MAP);
        if (c.getNIn() != x.channels()) {
            throw unsupported(i, c, "expects " + c.getNIn() + " input channels but gets " + x.describe());
        }
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        long[][] geometry = {
            window(i, c, x.height(), k[0], s[0], d[0], c.getPadding()[0], c.getConvolutionMode()),
            window(i, c, x.width(), k[1], s[1], d[1], c.getPadding()[1], c.getConvolutionMode())};
        String doc = "layer " + i + ": " + describe(c) + " " + c.getConvolutionMode();
        List<String> inputs = new ArrayList<>(List.of(x.name(),
                g.floats("conv" + i + "_W", new long[] {c.getNOut(), c.getNIn(), k[0], k[1]},
                        values(param(params, "W", i, c)))));
        if (c.hasBias()) {
            inputs.add(g.floats("conv" + i + "_b", new long[] {c.getNOut()}, values(param(params, "b", i, c))));
        }
        String y = g.node("Conv", doc, inputs,
                OnnxGraph.ints("kernel_shape", k[0], k[1]),
                OnnxGraph.ints("strides", s[0], s[1]),
                OnnxGraph.ints("dilations", d[0], d[1]),
                // Explicit pads, computed as DL4J does for Same mode: the odd pixel goes to the bottom/right.
                OnnxGraph.ints("pads", geometry[0][1], geometry[1][1], geometry[0][2], geometry[1][2]));
        y = activation(g, i, c, c.getActivationFn(), y, -1);
        return Flow.map(y, c.getNOut(), geometry[0][0], geometry[1][0]);
    }

    private static Flow pooling(OnnxGraph g, int i, Layer layer, PoolingType type, int[] k, int[] s, int[] pad,
                                int[] d, ConvolutionMode mode, boolean includePadInAverage, Flow x) {
        requireKind(i, layer, x, Flow.Kind.MAP);
        long[] h = window(i, layer, x.height(), k[0], s[0], d[0], pad[0], mode);
        long[] w = window(i, layer, x.width(), k[1], s[1], d[1], pad[1], mode);
        String doc = "layer " + i + ": " + describe(layer) + " " + type + " " + mode;
        List<Onnx.AttributeProto> attributes = new ArrayList<>(List.of(
                OnnxGraph.ints("kernel_shape", k[0], k[1]),
                OnnxGraph.ints("strides", s[0], s[1]),
                OnnxGraph.ints("pads", h[1], w[1], h[2], w[2])));
        String op;
        if (type == PoolingType.MAX) {
            op = "MaxPool";
            attributes.add(OnnxGraph.ints("dilations", d[0], d[1]));
        } else if (type == PoolingType.AVG) {
            if (d[0] != 1 || d[1] != 1) {
                throw unsupported(i, layer, "is average pooling with dilation " + Arrays.toString(d)
                        + ", which ONNX opset " + OPSET + " does not have");
            }
            op = "AveragePool";
            // DL4J divides by the window's cells inside the input unless avgPoolIncludePadInDivisor is set.
            attributes.add(OnnxGraph.attr("count_include_pad", includePadInAverage ? 1L : 0L));
        } else {
            throw unsupported(i, layer, "uses pooling type " + type + "; only MAX and AVG are exported");
        }
        String y = g.node(op, doc, List.of(x.name()), attributes.toArray(Onnx.AttributeProto[]::new));
        return Flow.map(y, x.channels(), h[0], w[0]);
    }

    /**
     * One axis of a convolution or pooling window as DL4J computes it.
     *
     * @return output size, padding before, padding after
     */
    private static long[] window(int i, Layer layer, long in, int kernel, int stride, int dilation, int pad,
                                 ConvolutionMode mode) {
        long effective = kernel + (long) (kernel - 1) * (dilation - 1);
        if (mode == ConvolutionMode.Same) {
            long out = (in + stride - 1) / stride;
            long total = Math.max(0, (out - 1) * stride + effective - in);
            return new long[] {out, total / 2, total - total / 2};
        }
        if (mode != ConvolutionMode.Truncate && mode != ConvolutionMode.Strict) {
            throw unsupported(i, layer, "uses ConvolutionMode." + mode + "; only Truncate, Strict and Same are "
                    + "exported");
        }
        long span = in + 2L * pad - effective;
        if (span < 0) {
            throw unsupported(i, layer, "has a window (" + effective + ") larger than its padded input ("
                    + (in + 2L * pad) + ")");
        }
        return new long[] {span / stride + 1, pad, pad};
    }

    private static Flow dense(OnnxGraph g, int i, Layer layer, long nIn, long nOut, boolean bias, IActivation fn,
                              Map<String, INDArray> params, Flow x) {
        requireKind(i, layer, x, Flow.Kind.VECTOR);
        if (nIn != x.channels()) {
            throw unsupported(i, layer, "expects " + nIn + " inputs but gets " + x.describe());
        }
        String doc = "layer " + i + ": " + describe(layer);
        String w = g.floats("dense" + i + "_W", new long[] {nIn, nOut}, values(param(params, "W", i, layer)));
        String y = bias
                ? g.node("Gemm", doc, List.of(x.name(), w,
                        g.floats("dense" + i + "_b", new long[] {nOut}, values(param(params, "b", i, layer)))))
                : g.node("MatMul", doc, List.of(x.name(), w));
        return Flow.vector(activation(g, i, layer, fn, y, 1), nOut);
    }

    private static Flow rnnOutput(OnnxGraph g, int i, RnnOutputLayer o, Map<String, INDArray> params, Flow x) {
        requireKind(i, o, x, Flow.Kind.SEQUENCE);
        requireNcw(i, o, o.getRnnDataFormat());
        if (o.getNIn() != x.channels()) {
            throw unsupported(i, o, "expects " + o.getNIn() + " features per step but gets " + x.describe());
        }
        String doc = "layer " + i + ": RnnOutputLayer, the same dense layer at every step";
        String nwc = g.node("Transpose", doc, List.of(x.name()), OnnxGraph.ints("perm", 0, 2, 1));
        String y = g.node("MatMul", doc, List.of(nwc,
                g.floats("out" + i + "_W", new long[] {o.getNIn(), o.getNOut()}, values(param(params, "W", i, o)))));
        if (o.hasBias()) {
            y = g.node("Add", doc, List.of(y,
                    g.floats("out" + i + "_b", new long[] {o.getNOut()}, values(param(params, "b", i, o)))));
        }
        y = activation(g, i, o, o.getActivationFn(), y, 2);
        String ncw = g.node("Transpose", doc + ", back to [N, classes, steps]", List.of(y),
                OnnxGraph.ints("perm", 0, 2, 1));
        return Flow.sequence(ncw, o.getNOut(), x.steps());
    }

    /**
     * What the ONNX LSTM or RNN operator needs to know of a DL4J recurrent layer.
     *
     * @param lstm LSTM, else SimpleRnn
     * @param prefixes the parameter key prefix of each direction: none, or f and b inside {@link Bidirectional}
     * @param merge how a bidirectional layer joins its directions; {@code null} for one direction
     * @param activation ONNX's name of the cell's activation
     */
    private record Cell(boolean lstm, long nIn, long units, List<String> prefixes, Bidirectional.Mode merge,
                        String activation) {
        int gates() {
            return lstm ? 4 : 1;
        }

        int directions() {
            return prefixes.size();
        }
    }

    /** Validates a recurrent layer for the export. */
    private static Cell cell(int i, Layer outer, Layer layer, Flow x) {
        Layer cell = layer;
        List<String> prefixes = List.of("");
        Bidirectional.Mode merge = null;
        if (layer instanceof Bidirectional b) {
            merge = b.getMode();
            if (merge != Bidirectional.Mode.CONCAT && merge != Bidirectional.Mode.ADD) {
                throw unsupported(i, outer, "merges its directions by " + merge + "; only CONCAT and ADD are "
                        + "exported");
            }
            requireNcw(i, outer, b.getRNNDataFormat());
            cell = b.getFwd();
            // BidirectionalParamInitializer prefixes the forward layer's keys with f, the backward layer's with b.
            prefixes = List.of("f", "b");
        }
        boolean lstm = cell instanceof LSTM; // DL4J's, or the same configuration run on oneDNN
        if (!lstm && cell.getClass() != SimpleRnn.class) {
            throw unsupported(i, outer, "wraps " + cell.getClass().getSimpleName() + "; LastTimeStep and "
                    + "Bidirectional are exported around LSTM and SimpleRnn only");
        }
        requireKind(i, outer, x, Flow.Kind.SEQUENCE);
        BaseRecurrentLayer rnn = (BaseRecurrentLayer) cell;
        requireNcw(i, outer, rnn.getRnnDataFormat());
        if (rnn.getNIn() != x.channels()) {
            throw unsupported(i, outer, "expects " + rnn.getNIn() + " features per step but gets " + x.describe());
        }
        if (lstm && !(((LSTM) cell).getGateActivationFn() instanceof ActivationSigmoid)) {
            throw unsupported(i, outer, "has gate activation " + ((LSTM) cell).getGateActivationFn()
                    + "; only sigmoid gates are exported");
        }
        if (!lstm && ((SimpleRnn) cell).hasLayerNorm()) {
            throw unsupported(i, outer, "has layer normalisation, which ONNX's RNN operator does not have");
        }
        return new Cell(lstm, rnn.getNIn(), rnn.getNOut(), prefixes, merge,
                recurrentActivation(i, outer, rnn.getActivationFn()));
    }

    /**
     * An LSTM or SimpleRnn, on its own or inside {@link Bidirectional}, as ONNX's LSTM or RNN operator; the output
     * is back in DL4J's [N, features, steps].
     *
     * @param outer the layer as configured (for messages), possibly a {@link LastTimeStep}
     */
    private static Flow recurrent(OnnxGraph g, int i, Layer outer, Layer layer, Map<String, INDArray> params,
                                  Flow x) {
        if (layer instanceof Gru gru) {
            return gru(g, i, outer, gru, params, x);
        }
        Cell c = cell(i, outer, layer, x);
        boolean lstm = c.lstm();
        long nIn = c.nIn();
        long units = c.units();
        int directions = c.directions();
        int gates = c.gates();
        float[] w = new float[(int) (directions * gates * units * nIn)];
        float[] r = new float[(int) (directions * gates * units * units)];
        // ONNX's B is [Wb, Rb] per direction; DL4J has one bias, so Rb stays zero.
        float[] b = new float[(int) (directions * 2 * gates * units)];
        List<String> activations = new ArrayList<>();
        for (int dir = 0; dir < directions; dir++) {
            String p = c.prefixes().get(dir);
            gateRows(param(params, p + "W", i, outer), units, lstm, w, dir * gates * units * nIn);
            gateRows(param(params, p + "RW", i, outer), units, lstm, r, dir * gates * units * units);
            gateRows(param(params, p + "b", i, outer), units, lstm, b, dir * 2 * gates * units);
            // LSTM: f for the gates, g for the block input, h for the output; DL4J uses its activation for both.
            activations.addAll(lstm ? List.of("Sigmoid", c.activation(), c.activation()) : List.of(c.activation()));
        }
        String op = lstm ? "LSTM" : "RNN";
        String doc = "layer " + i + ": " + describe(outer);
        String tnf = g.node("Transpose", doc + ", [N, F, T] to ONNX's [T, N, F]", List.of(x.name()),
                OnnxGraph.ints("perm", 2, 0, 1));
        String y = g.node(op, doc, List.of(tnf,
                        g.floats(op.toLowerCase() + i + "_W", new long[] {directions, gates * units, nIn}, w),
                        g.floats(op.toLowerCase() + i + "_R", new long[] {directions, gates * units, units}, r),
                        g.floats(op.toLowerCase() + i + "_B", new long[] {directions, 2 * gates * units}, b)),
                OnnxGraph.attr("hidden_size", units),
                OnnxGraph.attr("direction", directions == 2 ? "bidirectional" : "forward"),
                OnnxGraph.strings("activations", activations));
        return merged(g, doc, y, directions, units, c.merge() == Bidirectional.Mode.ADD, x);
    }

    /**
     * ONNX's recurrent output Y {@code [T, directions, N, units]} back in DL4J's {@code [N, features, T]}, the two
     * directions concatenated (forward units first, as DL4J's CONCAT and sparktrain's GRU do) or added.
     */
    private static Flow merged(OnnxGraph g, String doc, String y, int directions, long units, boolean add, Flow x) {
        String ndut = g.node("Transpose", doc + ", back to [N, directions, units, T]", List.of(y),
                OnnxGraph.ints("perm", 2, 1, 3, 0));
        String merged;
        long features;
        if (add) {
            merged = g.node("ReduceSum", doc + ", ADD merges the directions", List.of(ndut,
                    g.longs("axes", new long[] {1}, 1L)), OnnxGraph.attr("keepdims", 0L));
            features = units;
        } else {
            features = directions * units;
            merged = g.node("Reshape", doc + ", [N, features, T]", List.of(ndut,
                    g.longs("shape", new long[] {3}, 0L, features, -1L)));
        }
        return Flow.sequence(merged, features, x.steps());
    }

    /**
     * sparktrain's {@link Gru} as ONNX's GRU operator with {@code linear_before_reset = 1} (PyTorch's equations, the
     * ones the layer computes): ONNX wants gate blocks z, r, h where the layer keeps r, z, n, and a bias
     * {@code [Wb, Rb]} per direction, which are the layer's input and recurrent biases. ONNX's backward direction
     * reverses the whole sequence, as the layer does for a sequence without padding.
     */
    private static Flow gru(OnnxGraph g, int i, Layer outer, Gru gru, Map<String, INDArray> params, Flow x) {
        requireKind(i, outer, x, Flow.Kind.SEQUENCE);
        requireNcw(i, outer, gru.getRnnDataFormat());
        if (gru.getNIn() != x.channels()) {
            throw unsupported(i, outer, "expects " + gru.getNIn() + " features per step but gets " + x.describe());
        }
        long nIn = gru.getNIn();
        long units = gru.units();
        List<String> prefixes = gru.getDirections().prefixes();
        int directions = prefixes.size();
        float[] w = new float[(int) (directions * 3 * units * nIn)];
        float[] r = new float[(int) (directions * 3 * units * units)];
        float[] b = new float[(int) (directions * 6 * units)];
        for (int dir = 0; dir < directions; dir++) {
            String p = prefixes.get(dir);
            gruRows(param(params, p + "W", i, outer), units, w, dir * 3 * units * nIn);
            gruRows(param(params, p + "RW", i, outer), units, r, dir * 3 * units * units);
            gruRows(param(params, p + "b", i, outer), units, b, dir * 6 * units);
            gruRows(param(params, p + "rb", i, outer), units, b, dir * 6 * units + 3 * units);
        }
        String doc = "layer " + i + ": " + describe(outer);
        String tnf = g.node("Transpose", doc + ", [N, F, T] to ONNX's [T, N, F]", List.of(x.name()),
                OnnxGraph.ints("perm", 2, 0, 1));
        String y = g.node("GRU", doc, List.of(tnf,
                        g.floats("gru" + i + "_W", new long[] {directions, 3 * units, nIn}, w),
                        g.floats("gru" + i + "_R", new long[] {directions, 3 * units, units}, r),
                        g.floats("gru" + i + "_B", new long[] {directions, 6 * units}, b)),
                OnnxGraph.attr("hidden_size", units),
                OnnxGraph.attr("direction", directions == 2 ? "bidirectional" : "forward"),
                OnnxGraph.attr("linear_before_reset", 1L));
        return merged(g, doc, y, directions, units, gru.getDirections() == Gru.Directions.ADD, x);
    }

    /**
     * Copies a {@link Gru} weight ({@code [rows, 3 units]}, or a bias {@code [1, 3 units]}, gate blocks r, z, n) into
     * ONNX's {@code [3 units, rows]} with blocks z, r, h at {@code offset}.
     */
    private static void gruRows(INDArray ours, long units, float[] onnx, long offset) {
        float[][] m = ours.castTo(DataType.FLOAT).toFloatMatrix();
        int u = (int) units;
        int at = (int) offset;
        for (int block : new int[] {1, 0, 2}) {
            for (int k = 0; k < u; k++) {
                for (float[] row : m) {
                    onnx[at++] = row[block * u + k];
                }
            }
        }
    }

    /**
     * Copies a DL4J recurrent weight ({@code [rows, gates * units]}, or a bias {@code [1, gates * units]}) into
     * ONNX's {@code [gates * units, rows]} at {@code offset}. DL4J's LSTM keeps its gate blocks in the order block
     * input (c), forget (f), output (o), input gate (i) (LSTMHelpers); ONNX wants i, o, f, c.
     */
    private static void gateRows(INDArray dl4j, long units, boolean lstm, float[] onnx, long offset) {
        float[][] m = dl4j.castTo(DataType.FLOAT).toFloatMatrix();
        int[] dl4jBlock = lstm ? new int[] {3, 2, 1, 0} : new int[] {0};
        int rows = m.length;
        int u = (int) units;
        int at = (int) offset;
        for (int block : dl4jBlock) {
            for (int k = 0; k < u; k++) {
                for (int row = 0; row < rows; row++) {
                    onnx[at++] = m[row][block * u + k];
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String recurrentActivation(int i, Layer layer, IActivation fn) {
        if (fn instanceof ActivationTanH) {
            return "Tanh";
        }
        if (fn instanceof ActivationSigmoid) {
            return "Sigmoid";
        }
        if (fn instanceof ActivationReLU relu && plainRelu(relu)) {
            return "Relu";
        }
        throw unsupported(i, layer, "has activation " + fn + "; recurrent layers are exported with tanh, sigmoid or "
                + "ReLU");
    }

    /**
     * Appends {@code fn} applied to {@code x}.
     *
     * @param softmaxAxis the class axis, or -1 where a softmax is not supported
     */
    private static String activation(OnnxGraph g, int i, Layer layer, IActivation fn, String x, long softmaxAxis) {
        String doc = "layer " + i + ": activation " + fn;
        if (fn instanceof ActivationIdentity) {
            return x;
        }
        if (fn instanceof ActivationReLU relu && plainRelu(relu)) {
            return g.node("Relu", doc, List.of(x));
        }
        if (fn instanceof ActivationLReLU leaky) {
            return g.node("LeakyRelu", doc, List.of(x), OnnxGraph.attr("alpha", (float) leaky.getAlpha()));
        }
        if (fn instanceof ActivationTanH) {
            return g.node("Tanh", doc, List.of(x));
        }
        if (fn instanceof ActivationSigmoid) {
            return g.node("Sigmoid", doc, List.of(x));
        }
        if (fn instanceof ActivationSoftmax && softmaxAxis >= 0) {
            return g.node("Softmax", doc, List.of(x), OnnxGraph.attr("axis", softmaxAxis));
        }
        throw unsupported(i, layer, "has activation " + fn + ", which the export does not support here "
                + "(identity, relu, leakyrelu, tanh, sigmoid; softmax on output layers)");
    }

    /** DL4J's ReLU optionally caps, thresholds or leaks; only the plain max(0, x) is ONNX's Relu. */
    private static boolean plainRelu(ActivationReLU relu) {
        return relu.getMax() == null && zeroOrUnset(relu.getThreshold()) && zeroOrUnset(relu.getNegativeSlope());
    }

    private static boolean zeroOrUnset(Double value) {
        return value == null || value == 0.0;
    }

    private static void requireKind(int i, Layer layer, Flow x, Flow.Kind kind) {
        if (x.kind() != kind) {
            throw unsupported(i, layer, "needs " + switch (kind) {
                case MAP -> "a feature map";
                case VECTOR -> "a vector";
                case SEQUENCE -> "a sequence";
            } + " but its input is " + x.describe());
        }
    }

    private static void requireNcw(int i, Layer layer, RNNFormat format) {
        if (format != null && format != RNNFormat.NCW) {
            throw unsupported(i, layer, "uses data format " + format + "; only NCW is exported");
        }
    }

    private static INDArray param(Map<String, INDArray> params, String key, int i, Layer layer) {
        INDArray p = params.get(key);
        if (p == null) {
            throw new IllegalStateException("layer " + i + " (" + describe(layer) + ") has no parameter " + key
                    + "; it has " + params.keySet());
        }
        return p;
    }

    /** Row-major float values of {@code a}, whatever its order or type. */
    private static float[] values(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
