package io.sparktrain.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of a {@link Gru}, per direction in this order: {@code W [nIn, 3 units]}, {@code RW [units,
 * 3 units]}, {@code b [1, 3 units]}, {@code rb [1, 3 units]}, row-major, gate blocks r, z, n. A bidirectional
 * layer has the forward direction's four (keys {@code fW ...}) then the backward one's ({@code bW ...}). Weights
 * start from the layer's weight initialisation (recurrent weights from its recurrent one when set), biases at 0.
 */
public final class GruParams implements ParamInitializer {
    /** The one instance (the initializer has no state). */
    public static final GruParams INSTANCE = new GruParams();

    static final String W = "W";
    static final String RW = "RW";
    static final String B = "b";
    static final String RB = "rb";

    private GruParams() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        Gru g = (Gru) layer;
        long n = g.getNOut();
        return g.getDirections().prefixes().size() * 3 * n * (g.getNIn() + n + 2);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (String p : ((Gru) layer).getDirections().prefixes()) {
            keys.addAll(List.of(p + W, p + RW, p + B, p + RB));
        }
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> isWeightParam(layer, k)).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> isBiasParam(layer, k)).toList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return key.endsWith(W);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return !key.endsWith(W);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Gru g = (Gru) conf.getLayer();
        Map<String, INDArray> params = views(g, paramsView);
        if (initializeParams) {
            long nIn = g.getNIn();
            long n = g.getNOut();
            IWeightInit input = g.getWeightInitFn();
            IWeightInit recurrent = g.getWeightInitFnRecurrent() != null ? g.getWeightInitFnRecurrent() : input;
            for (String p : g.getDirections().prefixes()) {
                INDArray w = params.get(p + W);
                input.init(nIn, 3 * n, w.shape(), 'c', w);
                INDArray rw = params.get(p + RW);
                recurrent.init(n, 3 * n, rw.shape(), 'c', rw);
                params.get(p + B).assign(0);
                params.get(p + RB).assign(0);
            }
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((Gru) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> views(Gru g, INDArray flat) {
        long nIn = g.getNIn();
        long n = g.getNOut();
        INDArray row = flat.reshape(flat.length());
        Map<String, INDArray> views = new LinkedHashMap<>();
        long at = 0;
        for (String p : g.getDirections().prefixes()) {
            at = view(views, p + W, row, at, nIn, 3 * n);
            at = view(views, p + RW, row, at, n, 3 * n);
            at = view(views, p + B, row, at, 1, 3 * n);
            at = view(views, p + RB, row, at, 1, 3 * n);
        }
        return views;
    }

    private static long view(Map<String, INDArray> views, String key, INDArray row, long at, long rows, long cols) {
        views.put(key, row.get(NDArrayIndex.interval(at, at + rows * cols)).reshape('c', rows, cols));
        return at + rows * cols;
    }
}
