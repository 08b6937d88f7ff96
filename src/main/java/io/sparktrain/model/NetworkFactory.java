package io.sparktrain.model;

import io.sparktrain.nn.Dl4jConvHelper;
import io.sparktrain.nn.Dnnl;
import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.nn.FusedConvPoolLayer;
import io.sparktrain.nn.Gru;
import io.sparktrain.nn.OnednnLstm;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Turns a {@link NetworkSpec} into a DL4J network configuration. */
public final class NetworkFactory {

    private NetworkFactory() {
    }

    /** {@link #configuration(NetworkSpec, UpdaterSpec, long, int)} with full backpropagation through time. */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, UpdaterSpec updater, long seed) {
        return configuration(spec, updater, seed, 0);
    }

    /**
     * @param spec the validated layers
     * @param updater the optimiser
     * @param seed seeds weight initialisation
     * @param tbpttLength for a recurrent network, the steps per truncated-BPTT segment; 0 backpropagates through
     *     whole sequences
     * @return a float32 DL4J configuration whose parameter order is fixed by the layers
     */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, UpdaterSpec updater, long seed,
                                                        int tbpttLength) {
        return configuration(spec, updater, seed, tbpttLength, ConvBlocks.preferred());
    }

    /**
     * {@link #configuration(NetworkSpec, UpdaterSpec, long, int)} with convolution + pooling pairs run as
     * {@code blocks} says; the parameter vector is the same either way.
     */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, UpdaterSpec updater, long seed,
                                                        int tbpttLength, ConvBlocks blocks) {
        return configuration(spec, updater, seed, tbpttLength, blocks, LstmKernel.preferred());
    }

    /**
     * {@link #configuration(NetworkSpec, UpdaterSpec, long, int, ConvBlocks)} with LSTM layers run as {@code lstm}
     * says (oneDNN only where it computes exactly what DL4J does); the parameter vector is the same either way.
     */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, UpdaterSpec updater, long seed,
                                                        int tbpttLength, ConvBlocks blocks, LstmKernel lstm) {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                // Keep each layer's forward results for its backward pass instead of recomputing them (DL4J's
                // convolution layer otherwise runs its forward convolution again in backprop): 6-24% faster
                // CNN training measured here (docs/benchmarks.md).
                .cacheMode(CacheMode.DEVICE)
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater.toUpdater())
                .weightInit(WeightInit.XAVIER);
        switch (updater.clipping().kind()) {
            case VALUE -> builder.gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                    .gradientNormalizationThreshold(updater.clipping().threshold());
            case NORM -> builder.gradientNormalization(GradientNormalization.ClipL2PerLayer)
                    .gradientNormalizationThreshold(updater.clipping().threshold());
            case NONE -> { }
        }
        NeuralNetConfiguration.ListBuilder list = builder.list();
        int lastRecurrent = -1;
        for (int i = 0; i < spec.layers().size(); i++) {
            if (spec.layers().get(i) instanceof LayerSpec.Recurrent) {
                lastRecurrent = i;
            }
        }
        List<LayerSpec> layers = spec.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (blocks == ConvBlocks.FUSED_ONEDNN && i + 1 < layers.size()
                    && layers.get(i) instanceof LayerSpec.Conv c && layers.get(i + 1) instanceof LayerSpec.Pool p) {
                Optional<FusedConvPool> fused = fuse(c, p);
                if (fused.isPresent()) {
                    list.layer(fused.get());
                    i++;
                    continue;
                }
            }
            Layer layer = toDl4j(layers.get(i), spec, lstm);
            // Many-to-one: the last recurrent layer passes on its last unmasked step only.
            list.layer(i == lastRecurrent && spec.output() == OutputMode.LAST ? new LastTimeStep(layer) : layer);
        }
        Shape in = spec.input();
        list.setInputType(switch (in.kind()) {
            case SEQUENCE -> InputType.recurrent(in.channels());
            case VECTOR -> InputType.feedForward(in.channels());
            case MAP -> InputType.convolutional(in.height(), in.width(), in.channels());
        });
        if (tbpttLength > 0) {
            list.backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(tbpttLength)
                    .tBPTTBackwardLength(tbpttLength);
        }
        return list.build();
    }

    /** A new, initialised network for {@code spec}. */
    public static MultiLayerNetwork network(NetworkSpec spec, UpdaterSpec updater, long seed) {
        return network(spec, updater, seed, 0);
    }

    /** A new, initialised network for {@code spec}, with truncated BPTT when {@code tbpttLength > 0}. */
    public static MultiLayerNetwork network(NetworkSpec spec, UpdaterSpec updater, long seed, int tbpttLength) {
        return build(configuration(spec, updater, seed, tbpttLength));
    }

    /**
     * Builds and initialises a network from its configuration: every network sparktrain trains or evaluates is
     * built here. Fused blocks skip the input gradient they need not compute; plain convolution layers get libnd4j's
     * convolution ops (oneDNN in the oneDNN native builds) where available.
     */
    public static MultiLayerNetwork build(MultiLayerConfiguration configuration) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration);
        net.init();
        // MultiLayerNetwork drops the first layer's input gradient unless a preprocessor sits before it.
        if (net.getLayer(0) instanceof FusedConvPoolLayer first && configuration.getInputPreProcess(0) == null) {
            first.skipInputGradient();
        }
        // Consecutive blocks pass activations and gradients in oneDNN's layout, skipping four reorders a minibatch.
        for (int i = 0; i + 1 < net.getnLayers(); i++) {
            if (net.getLayer(i) instanceof FusedConvPoolLayer from
                    && net.getLayer(i + 1) instanceof FusedConvPoolLayer to
                    && configuration.getInputPreProcess(i + 1) == null) {
                from.feedDirectly(to);
            }
        }
        Dl4jConvHelper.useForConvolution(net);
        return net;
    }

    private static Layer toDl4j(LayerSpec layer, NetworkSpec spec, LstmKernel lstm) {
        if (layer instanceof LayerSpec.Recurrent r && r.cell() == LayerSpec.Cell.GRU) {
            // DL4J has no GRU; ours runs both directions itself, each sequence reversed within its length.
            return new Gru(r.units(), switch (r.direction()) {
                case FORWARD -> Gru.Directions.FORWARD;
                case BIDIRECTIONAL_CONCAT -> Gru.Directions.CONCAT;
                case BIDIRECTIONAL_ADD -> Gru.Directions.ADD;
            });
        }
        if (layer instanceof LayerSpec.Recurrent r) {
            Layer cell;
            if (r.cell() == LayerSpec.Cell.LSTM) {
                LSTM dl4j = new LSTM.Builder().nOut(r.units()).activation(activation(r.activation(), 0)).build();
                cell = lstm == LstmKernel.ONEDNN && Dnnl.usable() && OnednnLstm.runsExactly(dl4j)
                        ? OnednnLstm.of(dl4j) : dl4j;
            } else {
                cell = new SimpleRnn.Builder().nOut(r.units()).activation(activation(r.activation(), 0)).build();
            }
            return switch (r.direction()) {
                case FORWARD -> cell;
                case BIDIRECTIONAL_CONCAT -> new Bidirectional(Bidirectional.Mode.CONCAT, cell);
                case BIDIRECTIONAL_ADD -> new Bidirectional(Bidirectional.Mode.ADD, cell);
            };
        }
        if (layer instanceof LayerSpec.Conv c) {
            return convolution(c).build();
        }
        if (layer instanceof LayerSpec.Pool p) {
            return new SubsamplingLayer.Builder(p.max() ? PoolingType.MAX : PoolingType.AVG)
                    .kernelSize(p.kernelH(), p.kernelW())
                    .stride(p.strideH(), p.strideW())
                    .padding(p.padding().height(), p.padding().width())
                    .convolutionMode(mode(p.padding()))
                    .build();
        }
        if (layer instanceof LayerSpec.Dropout d) {
            // DL4J's argument is the probability of keeping an activation.
            return new DropoutLayer.Builder(1.0 - d.rate()).build();
        }
        if (layer instanceof LayerSpec.Dense d) {
            return new DenseLayer.Builder()
                    .nOut(d.units())
                    .activation(activation(d.activation(), d.alpha()))
                    .weightInit(init(d.activation()))
                    .build();
        }
        if (spec.output() == OutputMode.SEQUENCE) {
            return new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(spec.classes())
                    .activation(new ActivationSoftmax())
                    .build();
        }
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(spec.classes())
                .activation(new ActivationSoftmax())
                .build();
    }

    private static ConvolutionLayer.Builder convolution(LayerSpec.Conv c) {
        return new ConvolutionLayer.Builder(c.kernelH(), c.kernelW())
                .stride(c.strideH(), c.strideW())
                .dilation(c.dilationH(), c.dilationW())
                .padding(c.padding().height(), c.padding().width())
                .convolutionMode(mode(c.padding()))
                .nOut(c.filters())
                .activation(activation(c.activation(), c.alpha()))
                .weightInit(init(c.activation()));
    }

    /** Convolution {@code c} and pooling {@code p} as one oneDNN block, when that computes exactly the same. */
    private static Optional<FusedConvPool> fuse(LayerSpec.Conv c, LayerSpec.Pool p) {
        PoolingType type = p.max() ? PoolingType.MAX : PoolingType.AVG;
        int[] padding = {p.padding().height(), p.padding().width()};
        ConvolutionLayer.Builder conv = convolution(c);
        if (!FusedConvPool.fusable(conv.build(), type, padding, mode(p.padding()))) {
            return Optional.empty();
        }
        return Optional.of(new FusedConvPool(conv, type, new int[] {p.kernelH(), p.kernelW()},
                new int[] {p.strideH(), p.strideW()}));
    }

    // Shapes were checked exactly by ShapeInference, so Truncate never truncates anything.
    private static ConvolutionMode mode(Padding padding) {
        return padding.mode() == Padding.Mode.SAME ? ConvolutionMode.Same : ConvolutionMode.Truncate;
    }

    private static IActivation activation(Activation a, double alpha) {
        return switch (a) {
            case RELU -> new ActivationReLU();
            case LEAKYRELU -> new ActivationLReLU(alpha > 0 ? alpha : 0.01);
            case TANH -> new ActivationTanH();
            case SIGMOID -> new ActivationSigmoid();
            case IDENTITY -> new ActivationIdentity();
        };
    }

    private static WeightInit init(Activation a) {
        return a == Activation.RELU || a == Activation.LEAKYRELU ? WeightInit.RELU : WeightInit.XAVIER;
    }
}
