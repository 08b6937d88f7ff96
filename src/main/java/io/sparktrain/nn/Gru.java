package io.sparktrain.nn;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a gated recurrent unit layer as PyTorch's {@code nn.GRU} defines it (Cho et al. 2014, with the
 * reset gate applied after the recurrent product, "linear before reset"), run by {@link GruLayer}. For input x and
 * previous output h (h0 = 0):
 *
 * <pre>
 * r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
 * z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 * n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 * h' = (1 - z) * n + z * h
 * </pre>
 *
 * Parameters per direction ({@link GruParams}): input weights {@code W [nIn, 3 units]}, recurrent weights
 * {@code RW [units, 3 units]}, input bias {@code b [1, 3 units]}, recurrent bias {@code rb [1, 3 units]}, each
 * row-major with the gate blocks in PyTorch's order r, z, n. Arrays are DL4J's {@code [minibatch, features, time]}.
 *
 * <p>{@link Directions#CONCAT} and {@link Directions#ADD} add a second set of parameters (keys prefixed {@code b},
 * the forward ones {@code f}) read right to left, starting at each sequence's own last step, and concatenate or add
 * the two outputs. Masks must be left-aligned (each sequence a prefix of the padded time axis, as sparktrain pads).
 */
public class Gru extends BaseRecurrentLayer {

    /** Which way the layer reads and how a bidirectional layer merges its two outputs. */
    public enum Directions {
        /** Left to right only; {@code units} outputs. */
        FORWARD,
        /** Both ways, outputs concatenated (forward first): {@code 2 units} outputs. */
        CONCAT,
        /** Both ways, outputs added: {@code units} outputs. */
        ADD;

        /** Parameter key prefixes, one per direction run: none, or f (forward) and b (backward). */
        public java.util.List<String> prefixes() {
            return this == FORWARD ? java.util.List.of("") : java.util.List.of("f", "b");
        }
    }

    private Directions directions = Directions.FORWARD;

    /** For DL4J's JSON deserialisation. */
    public Gru() {
        setRnnDataFormat(RNNFormat.NCW);
    }

    /**
     * @param units values per step of each direction
     * @param directions forward, or bidirectional and how to merge
     */
    public Gru(int units, Directions directions) {
        this();
        setNOut(units);
        this.directions = Objects.requireNonNull(directions, "directions");
    }

    public Directions getDirections() {
        return directions;
    }

    public void setDirections(Directions directions) {
        this.directions = directions;
    }

    /** Values per step of one direction (DL4J's {@code nOut}). */
    public long units() {
        return getNOut();
    }

    /** Values per step this layer outputs. */
    public long outputSize() {
        return directions == Directions.CONCAT ? 2 * getNOut() : getNOut();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("Gru", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new GruLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams, initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return GruParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeRecurrent in = (InputType.InputTypeRecurrent) super.getOutputType(layerIndex, inputType);
        return InputType.recurrent(outputSize(), in.getTimeSeriesLength(), in.getFormat());
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        // Only used for DL4J's memory estimates, which sparktrain does not call.
        return new LayerMemoryReport.Builder(getLayerName(), Gru.class, inputType, getOutputType(-1, inputType))
                .standardMemory(0, GruParams.INSTANCE.numParams(this)).workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Gru g && super.equals(o) && directions == g.directions;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), directions);
    }

    @Override
    public String toString() {
        return "Gru(nIn=" + getNIn() + ", units=" + getNOut() + ", " + directions + ")";
    }
}
