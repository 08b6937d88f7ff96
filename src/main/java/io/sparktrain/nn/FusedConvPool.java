package io.sparktrain.nn;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a 2-D convolution (with bias and activation) followed by max or average pooling, run as one
 * oneDNN block by {@link FusedConvPoolLayer}. It is a DL4J {@link ConvolutionLayer} with pooling added: the same
 * parameters in the same order (bias, then weights {@code [out, in, kH, kW]}), so a network with fused blocks has
 * exactly the parameter vector of the same network written as separate convolution and subsampling layers, and
 * either can load the other's parameters.
 *
 * <p>Only what oneDNN runs exactly is fused ({@link #fusable}): NCHW, no dilation, explicit (not Same) padding, a
 * bias, an activation oneDNN has as a post-op, pooling without padding, no dropout or weight noise.
 */
public class FusedConvPool extends ConvolutionLayer {
    private PoolingType poolingType = PoolingType.MAX;
    private int[] poolKernel = {2, 2};
    private int[] poolStride = {2, 2};

    /** For DL4J's JSON deserialisation. */
    public FusedConvPool() {
    }

    /**
     * @param convolution the convolution, as it would be configured on its own
     * @param poolingType {@link PoolingType#MAX} or {@link PoolingType#AVG}
     * @param poolKernel pooling window, height and width
     * @param poolStride pooling stride, height and width
     */
    public FusedConvPool(ConvolutionLayer.Builder convolution, PoolingType poolingType, int[] poolKernel,
                         int[] poolStride) {
        super(convolution);
        if (poolingType != PoolingType.MAX && poolingType != PoolingType.AVG) {
            throw new IllegalArgumentException("fused pooling is MAX or AVG, got " + poolingType);
        }
        this.poolingType = poolingType;
        this.poolKernel = poolKernel.clone();
        this.poolStride = poolStride.clone();
    }

    /** True when {@code conv} followed by this pooling can run as one oneDNN block with identical results. */
    public static boolean fusable(ConvolutionLayer conv, PoolingType pooling, int[] poolPadding,
                                  ConvolutionMode poolMode) {
        return conv.getClass() == ConvolutionLayer.class
                && conv.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && conv.getConvolutionMode() != ConvolutionMode.Same
                && conv.getDilation()[0] == 1 && conv.getDilation()[1] == 1
                && conv.hasBias()
                && conv.getIDropout() == null && conv.getWeightNoise() == null
                && BlockActivation.of(conv.getActivationFn()).isPresent()
                && (pooling == PoolingType.MAX || pooling == PoolingType.AVG)
                && poolPadding[0] == 0 && poolPadding[1] == 0
                && poolMode != ConvolutionMode.Same;
    }

    public PoolingType getPoolingType() {
        return poolingType;
    }

    public void setPoolingType(PoolingType poolingType) {
        this.poolingType = poolingType;
    }

    public int[] getPoolKernel() {
        return poolKernel.clone();
    }

    public void setPoolKernel(int[] poolKernel) {
        this.poolKernel = poolKernel.clone();
    }

    public int[] getPoolStride() {
        return poolStride.clone();
    }

    public void setPoolStride(int[] poolStride) {
        this.poolStride = poolStride.clone();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FusedConvPool", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new FusedConvPoolLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams, initializer());
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional conv =
                (InputType.InputTypeConvolutional) super.getOutputType(layerIndex, inputType);
        long h = (conv.getHeight() - poolKernel[0]) / poolStride[0] + 1;
        long w = (conv.getWidth() - poolKernel[1]) / poolStride[1] + 1;
        return InputType.convolutional(h, w, conv.getChannels(), conv.getFormat());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedConvPool f && super.equals(o) && poolingType == f.poolingType
                && java.util.Arrays.equals(poolKernel, f.poolKernel)
                && java.util.Arrays.equals(poolStride, f.poolStride);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), poolingType, java.util.Arrays.hashCode(poolKernel),
                java.util.Arrays.hashCode(poolStride));
    }

    @Override
    public String toString() {
        return "FusedConvPool(" + super.toString() + ", " + poolingType + " " + poolKernel[0] + "x" + poolKernel[1]
                + " stride " + poolStride[0] + "x" + poolStride[1] + ")";
    }
}
