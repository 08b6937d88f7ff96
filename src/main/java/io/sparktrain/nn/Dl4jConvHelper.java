package io.sparktrain.nn;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Routes DL4J's 2-D convolution through libnd4j's {@code conv2d} / {@code conv2d_bp} ops, which the oneDNN builds
 * of ND4J implement with oneDNN. DL4J 1.0.0-M2 never does this itself: its helper lookup is switched off by default
 * ({@code org.eclipse.deeplearning4j.helpers.disable}) and, when switched on, looks for a class ND4J M2 renamed, so
 * every convolution runs im2col + gemm (measured: 3.4x slower on this project's machine). The helper is
 * DL4J's own {@code MKLDNNConvHelper}, set on each plain {@code ConvolutionLayer} after the network is built.
 * {@code -Dsparktrain.onednn=false} keeps DL4J's built-in path.
 */
public final class Dl4jConvHelper {
    private static volatile Boolean inBuild;

    private Dl4jConvHelper() {
    }

    /** True when the loaded native library was built with oneDNN. */
    public static boolean inNativeBuild() {
        if (inBuild == null) {
            String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
            inBuild = info != null && info.contains("HAVE_ONEDNN");
        }
        return inBuild;
    }

    /**
     * Gives every plain convolution layer of {@code net} the oneDNN helper, when the native build has oneDNN and it
     * is not switched off.
     *
     * @return the number of layers changed
     */
    public static int useForConvolution(MultiLayerNetwork net) {
        if (!Dnnl.wanted() || !inNativeBuild()) {
            return 0;
        }
        return forceConvolutionHelper(net);
    }

    /** Gives every plain convolution layer the helper whatever the native build (tests compare both paths). */
    public static int forceConvolutionHelper(MultiLayerNetwork net) {
        int changed = 0;
        try {
            Field helper = ConvolutionLayer.class.getDeclaredField("helper");
            helper.setAccessible(true);
            for (Layer layer : net.getLayers()) {
                // Subclasses (1-D, depthwise, separable, deconvolution) call other ops: only the exact class.
                if (layer.getClass() == ConvolutionLayer.class) {
                    helper.set(layer, new MKLDNNConvHelper(DataType.FLOAT));
                    changed++;
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set DL4J's convolution helper: " + e, e);
        }
        return changed;
    }
}
