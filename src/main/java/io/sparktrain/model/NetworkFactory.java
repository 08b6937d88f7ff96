package io.sparktrain.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
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

    /**
     * @param spec the validated layers
     * @param updater the optimiser
     * @param seed seeds weight initialisation
     * @return a float32 DL4J configuration whose parameter order is fixed by the layers
     */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, UpdaterSpec updater, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater.toUpdater())
                .weightInit(WeightInit.XAVIER)
                .list();
        for (LayerSpec layer : spec.layers()) {
            list.layer(toDl4j(layer, spec.classes()));
        }
        Shape in = spec.input();
        list.setInputType(in.flat() ? InputType.feedForward(in.channels())
                : InputType.convolutional(in.height(), in.width(), in.channels()));
        return list.build();
    }

    /** A new, initialised network for {@code spec}. */
    public static MultiLayerNetwork network(NetworkSpec spec, UpdaterSpec updater, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(spec, updater, seed));
        net.init();
        return net;
    }

    private static Layer toDl4j(LayerSpec layer, int classes) {
        if (layer instanceof LayerSpec.Conv c) {
            return new ConvolutionLayer.Builder(c.kernelH(), c.kernelW())
                    .stride(c.strideH(), c.strideW())
                    .dilation(c.dilationH(), c.dilationW())
                    .padding(c.padding().height(), c.padding().width())
                    .convolutionMode(mode(c.padding()))
                    .nOut(c.filters())
                    .activation(activation(c.activation(), c.alpha()))
                    .weightInit(init(c.activation()))
                    .build();
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
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(classes)
                .activation(new ActivationSoftmax())
                .build();
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
