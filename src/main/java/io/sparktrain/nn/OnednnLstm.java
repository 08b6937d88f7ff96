package io.sparktrain.nn;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Configuration of an LSTM layer run by {@link OnednnLstmLayer} on oneDNN's LSTM primitives. It is DL4J's {@link
 * LSTM} configuration unchanged (same fields, same parameters {@code W [nIn, 4n]}, {@code RW [n, 4n]}, {@code b [1,
 * 4n]} in DL4J's gate order), so a network of these layers has exactly the parameter vector of the same network
 * with DL4J's LSTM, and either can load the other's parameters; saved models name DL4J's class.
 *
 * <p>Only what oneDNN computes exactly is converted ({@link #runsExactly}): tanh activation, sigmoid gates (oneDNN's
 * vanilla LSTM), no peepholes (GravesLSTM is a different class), time series as {@code [batch, features, time]}, no
 * dropout or weight noise on the layer.
 */
public class OnednnLstm extends LSTM {

    /** For DL4J's JSON deserialisation. */
    public OnednnLstm() {
    }

    /** True when {@code lstm}, as configured, computes on oneDNN exactly what DL4J's LSTM computes. */
    public static boolean runsExactly(LSTM lstm) {
        return (lstm.getClass() == LSTM.class || lstm.getClass() == OnednnLstm.class)
                && lstm.getActivationFn() instanceof ActivationTanH
                && lstm.getGateActivationFn() instanceof ActivationSigmoid
                && (lstm.getRnnDataFormat() == null || lstm.getRnnDataFormat() == RNNFormat.NCW)
                && lstm.getIDropout() == null && lstm.getWeightNoise() == null;
    }

    /** {@code lstm}'s configuration, every field copied, as a layer that runs on oneDNN. */
    public static OnednnLstm of(LSTM lstm) {
        ObjectNode json = NeuralNetConfiguration.mapper().valueToTree(lstm);
        json.put("@class", OnednnLstm.class.getName());
        try {
            return (OnednnLstm) NeuralNetConfiguration.mapper().treeToValue(json,
                    org.deeplearning4j.nn.conf.layers.Layer.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot copy the LSTM configuration " + lstm, e);
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("OnednnLstm", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new OnednnLstmLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams, initializer());
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == OnednnLstm.class && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 7;
    }

    @Override
    public String toString() {
        return "OnednnLstm(" + super.toString() + ")";
    }
}
