package io.sparktrain.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.engine;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs a {@link Gru} layer: with oneDNN's linear-before-reset GRU ({@link GruPlan}) when oneDNN is usable and the
 * arrays are float32, else with ND4J ops ({@link GruNd4j}); both compute the same equations.
 *
 * <p>Masks: sequences are left-aligned, so with h0 = 0 the padding after a sequence cannot change its outputs, and
 * zero gradients at the padded steps (the outputs there are zeroed, their gradients masked) cannot reach its
 * parameters: each direction runs over the whole padded length and gives every sequence exactly what it would
 * give alone. The backward direction reverses each sequence within its own length (so it starts at that
 * sequence's last step), runs left to right the same way, and reverses its outputs back.
 *
 * <p>Truncated BPTT is not supported (it throws); step-by-step output ({@link #rnnTimeStep}) is, for a forward
 * GRU.
 */
public class GruLayer extends BaseRecurrentLayer<Gru> {
    // Two directions times the training minibatch, a short last minibatch and the evaluation batch.
    private static final int PLANS_KEPT = 6;
    private static final String STATE = "h";

    private final transient Map<PlanKey, GruPlan> plans = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PlanKey, GruPlan> eldest) {
            return size() > PLANS_KEPT;
        }
    };
    private transient List<GruDirection> running = List.of();
    private transient int steps;
    private transient int batch;
    private transient int[] reversal;
    private transient INDArray stepMask;
    private transient boolean lastRanOneDnn;

    public GruLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        Gru g = layerConf();
        if (input.rank() != 3 || input.size(1) != g.getNIn()) {
            throw new DL4JInvalidInputException("layer " + getIndex() + " (gru) expects input [minibatch, "
                    + g.getNIn() + ", time], got " + Arrays.toString(input.shape()));
        }
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            batch = (int) input.size(0);
            steps = (int) input.size(2);
            int[] lengths = lengths(maskArray, batch, steps, getIndex());
            INDArray x = timeMajor(input);
            List<String> prefixes = g.getDirections().prefixes();
            List<GruDirection> directions = new ArrayList<>();
            List<INDArray> outputs = new ArrayList<>();
            reversal = prefixes.size() > 1 ? reversal(lengths, steps, batch) : null;
            for (int d = 0; d < prefixes.size(); d++) {
                GruDirection direction = direction(d, x.dataType());
                boolean backwards = d == 1;
                INDArray in = backwards ? Nd4j.pullRows(x, 1, reversal, 'c') : x;
                INDArray h = direction.forward(in, steps, batch, weights(params, prefixes.get(d)), training);
                outputs.add(backwards ? Nd4j.pullRows(h, 1, reversal, 'c') : h);
                directions.add(direction);
            }
            running = training ? directions : List.of();
            lastRanOneDnn = directions.get(0) instanceof GruDnnl;
            INDArray merged = switch (g.getDirections()) {
                case FORWARD -> outputs.get(0);
                case CONCAT -> Nd4j.hstack(outputs.get(0), outputs.get(1));
                case ADD -> outputs.get(0).add(outputs.get(1)); // not in place: forward keeps its outputs
            };
            stepMask = maskArray == null ? null : timeMajorMask(maskArray, x.dataType());
            if (stepMask != null) {
                // A copy when merged is a direction's own output, which its backward reads.
                merged = (merged == outputs.get(0) ? merged.dup() : merged).muliColumnVector(stepMask);
            }
            out = batchMajor(merged, steps, batch);
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out, 'f');
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (running.isEmpty()) {
            throw new IllegalStateException("GruLayer " + getIndex() + ": backprop before a training forward");
        }
        Gru g = layerConf();
        long n = g.units();
        List<String> prefixes = g.getDirections().prefixes();
        INDArray inputGradient;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray dOut = timeMajor(epsilon.castTo(input.dataType()));
            if (stepMask != null) {
                dOut.muliColumnVector(stepMask);
            }
            INDArray dx = null;
            for (int d = 0; d < prefixes.size(); d++) {
                INDArray dh = g.getDirections() == Gru.Directions.CONCAT
                        ? dOut.get(NDArrayIndex.all(), NDArrayIndex.interval(d * n, (d + 1) * n)).dup('c') : dOut;
                boolean backwards = d == 1;
                if (backwards) {
                    dh = Nd4j.pullRows(dh, 1, reversal, 'c');
                }
                INDArray di = running.get(d).backward(dh, weights(gradientViews, prefixes.get(d)));
                if (backwards) {
                    di = Nd4j.pullRows(di, 1, reversal, 'c');
                }
                dx = dx == null ? di : dx.addi(di);
            }
            inputGradient = batchMajor(dx, steps, batch);
        }
        Gradient gradient = new DefaultGradient();
        for (String key : GruParams.INSTANCE.paramKeys(g)) {
            gradient.setGradientFor(key, gradientViews.get(key));
        }
        weightNoiseParams.clear();
        return new Pair<>(gradient, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGradient, 'f'));
    }

    @Override
    public void clear() {
        super.clear();
        running = List.of();
        stepMask = null;
    }

    /** Whether the last forward ran oneDNN's primitives (else ND4J's ops). */
    public boolean lastRanOneDnn() {
        return lastRanOneDnn;
    }

    /** oneDNN for float32 arrays when it is usable, else ND4J. */
    private GruDirection direction(int index, DataType type) {
        if (type != DataType.FLOAT || !Dnnl.usable()) {
            return new GruNd4j();
        }
        int threads = Dnnl.threads();
        PlanKey key = new PlanKey(index, steps, batch, threads);
        GruPlan plan = plans.get(key);
        if (plan == null) {
            engine e = Dnnl.cpuEngine().orElseThrow(() -> new IllegalStateException(
                    "oneDNN is not available: " + Dnnl.loadFailure()));
            Gru g = layerConf();
            plan = Dnnl.withOpenMpThreads(threads, () -> new GruPlan(e, threads, steps, batch, g.getNIn(),
                    g.units()));
            plans.put(key, plan);
        }
        return new GruDnnl(plan);
    }

    /** Primitives are built per direction, minibatch geometry and thread count. */
    private record PlanKey(int direction, int steps, int batch, int threads) {
    }

    private static GruWeights weights(Map<String, INDArray> table, String prefix) {
        return new GruWeights(table.get(prefix + GruParams.W), table.get(prefix + GruParams.RW),
                table.get(prefix + GruParams.B), table.get(prefix + GruParams.RB));
    }

    /** Each example's length from a {@code [batch, steps]} mask, which must be a prefix of ones. */
    static int[] lengths(INDArray mask, int batch, int steps, int layer) {
        int[] lengths = new int[batch];
        if (mask == null) {
            Arrays.fill(lengths, steps);
            return lengths;
        }
        if (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != steps) {
            throw new DL4JInvalidInputException("layer " + layer + " (gru): mask " + Arrays.toString(mask.shape())
                    + " does not match [minibatch, time] = [" + batch + ", " + steps + "]");
        }
        double[][] m = mask.toDoubleMatrix();
        for (int b = 0; b < batch; b++) {
            int length = 0;
            while (length < steps && m[b][length] != 0) {
                length++;
            }
            for (int t = length; t < steps; t++) {
                if (m[b][t] != 0) {
                    throw new DL4JInvalidInputException("layer " + layer + " (gru): example " + b + "'s mask has "
                            + "a gap at step " + length + "; GRU masks must be left-aligned (padding at the end)");
                }
            }
            lengths[b] = length;
        }
        return lengths;
    }

    /**
     * The row permutation of a time-major array that reverses each example within its length and leaves its
     * padding in place; it is its own inverse.
     */
    static int[] reversal(int[] lengths, int steps, int batch) {
        int[] rows = new int[steps * batch];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int from = t < lengths[b] ? lengths[b] - 1 - t : t;
                rows[t * batch + b] = from * batch + b;
            }
        }
        return rows;
    }

    /** {@code [batch, features, steps]} to row-major {@code [steps * batch, features]}. */
    private static INDArray timeMajor(INDArray a) {
        return a.permute(2, 0, 1).dup('c').reshape('c', a.size(2) * a.size(0), a.size(1));
    }

    /** Row-major {@code [steps * batch, features]} to {@code [batch, features, steps]}. */
    private static INDArray batchMajor(INDArray a, int steps, int batch) {
        return a.reshape('c', steps, batch, a.size(1)).permute(1, 2, 0);
    }

    private static INDArray timeMajorMask(INDArray mask, DataType type) {
        return mask.castTo(type).transpose().dup('c').reshape('c', mask.length(), 1);
    }

    /**
     * Continues the sequence from the state the previous call left ({@code rnnClearPreviousState} starts again from
     * zeros), as {@code sample} generates text one character at a time; forward GRUs only (a bidirectional one needs
     * the whole sequence). Runs ND4J's ops: a step is too small for oneDNN to pay off.
     */
    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        Gru g = layerConf();
        if (g.getDirections() != Gru.Directions.FORWARD) {
            throw unsupported("step-by-step output (rnnTimeStep) when bidirectional");
        }
        INDArray in = input.rank() == 2 ? input.reshape(input.size(0), input.size(1), 1) : input;
        if (in.rank() != 3 || in.size(1) != g.getNIn()) {
            throw new DL4JInvalidInputException("layer " + getIndex() + " (gru) expects input [minibatch, "
                    + g.getNIn() + ", time], got " + Arrays.toString(input.shape()));
        }
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int b = (int) in.size(0);
            int t = (int) in.size(2);
            INDArray previous = stateMap.get(STATE);
            INDArray h0 = previous != null && previous.size(0) == b ? previous
                    : Nd4j.zeros(in.dataType(), b, g.units());
            INDArray h = new GruNd4j().forward(timeMajor(in), t, b, weights(params, ""), false, h0);
            stateMap.put(STATE, h.get(NDArrayIndex.interval((long) (t - 1) * b, (long) t * b), NDArrayIndex.all())
                    .dup());
            out = batchMajor(h, t, b);
        }
        INDArray result = workspaceMgr.dup(ArrayType.ACTIVATIONS, out, 'f');
        return input.rank() == 2 ? result.reshape(result.size(0), result.size(1)) : result;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        throw unsupported("truncated BPTT");
    }

    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        throw unsupported("truncated BPTT");
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("layer " + getIndex() + " (gru) does not support " + what);
    }
}
