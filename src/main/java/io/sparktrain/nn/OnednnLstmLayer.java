package io.sparktrain.nn;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.dnnl.engine;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.LSTM;
import org.deeplearning4j.nn.params.LSTMParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's LSTM layer with its forward pass (training and inference) and its backward pass run by oneDNN's LSTM
 * primitives: the input projection of all steps and the recurrence run inside one primitive, and the forward
 * training workspace is kept for the backward one, where DL4J runs a few small ops per step and its forward pass
 * twice. Parameters stay in DL4J's layout ({@code W [nIn, 4n]}, {@code RW [n, 4n]}, {@code b [1, 4n]}, gate blocks
 * in DL4J's order: block input, forget, output, input gate) and are copied into oneDNN's order (input, forget,
 * block input, output) on the way in, gradients back on the way out.
 *
 * <p>Masks. DL4J's LSTM zeroes the output and cell state at masked steps in its forward pass and ignores the mask
 * in backward (its gradients are right when the gradient arriving at masked steps is zero, as an output layer with
 * a label mask or {@code LastTimeStep} gives). It only sees a mask that {@code setMaskArray} gave it ({@code
 * LastTimeStep} does); {@code MultiLayerNetwork} and {@code Bidirectional} hand masks on with {@code
 * feedForwardMaskArray}, which DL4J's LSTM passes through without keeping, so there it runs the padding like data.
 * This layer keeps the mask either way and runs each sequence from its first unmasked step to its last with a
 * zero initial state. For sequences padded at their end (left-aligned) that changes nothing before the end: outputs
 * and gradients are DL4J's, and so are outputs at padded steps (zero when DL4J was given the mask, else the
 * recurrence run on into the padding). Sequences padded at their start, as DL4J's {@code Bidirectional} hands its
 * backward copy the reversed series, start at their own first step, so a minibatch gives the outputs and gradients
 * of its sequences fed one at a time, which DL4J does not (its backward copy starts in the padding). The gradient
 * arriving at masked steps is ignored. A mask that is not one run of ones per sequence, stored state ({@code
 * rnnTimeStep}, truncated BPTT) and non-float networks run DL4J's implementation.
 *
 * <p>Primitives are built per minibatch size and step count (the longest unmasked run) on first use and a few are
 * kept: the training minibatch, a short last one, the evaluation batch.
 */
public class OnednnLstmLayer extends LSTM {
    private static final int PLANS_KEPT = 3;
    /** For each of oneDNN's gates (i, f, c~, o), the block of DL4J's columns holding it. */
    private static final int[] DL4J_BLOCK = {3, 1, 0, 2};

    private final transient Map<PlanKey, LstmPlan> plans = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PlanKey, LstmPlan> eldest) {
            return size() > PLANS_KEPT;
        }
    };
    private transient Forwarded last;
    /** The mask of the input's steps however it was given (DL4J's {@code maskArray}: only by setMaskArray). */
    private transient INDArray stepMask;

    public OnednnLstmLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        return activate(training, workspaceMgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        Optional<Spans> spans = runnable();
        if (spans.isEmpty()) {
            last = null;
            return super.activate(training, workspaceMgr);
        }
        return forward(training, spans.get(), workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Optional<Spans> spans = runnable();
        if (spans.isEmpty()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        // Backward continues from the training forward of this very input and mask; DL4J always recomputes it.
        if (last == null || last.input != input || last.mask != stepMask || last.zeroed != (maskArray != null)) {
            forward(true, spans.get(), workspaceMgr);
        }
        Forwarded f = last;
        INDArray w = gradientViews.get(LSTMParamInitializer.INPUT_WEIGHT_KEY);
        INDArray rw = gradientViews.get(LSTMParamInitializer.RECURRENT_WEIGHT_KEY);
        INDArray b = gradientViews.get(LSTMParamInitializer.BIAS_KEY);
        long n = input.size(0);
        long steps = input.size(2);
        INDArray inputGradient = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[] {n, input.size(1), steps}, 'f');
        if (f.plan == null) { // every sequence empty
            w.assign(0);
            rw.assign(0);
            b.assign(0);
        } else {
            LstmPlan plan = f.plan;
            toTimeMajor(floats(epsilon), f.spans, false, plan.outputGradient(), plan.units);
            plan.backward();
            fromGates(plan.inputWeightsGradient(), w, plan.nIn, plan.units);
            fromGates(plan.recurrentWeightsGradient(), rw, plan.units, plan.units);
            fromGates(plan.biasGradient(), b, 1, plan.units);
            fromTimeMajor(plan.inputGradient(), f.spans, true, inputGradient, plan.nIn);
        }
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(LSTMParamInitializer.INPUT_WEIGHT_KEY, w);
        gradient.gradientForVariable().put(LSTMParamInitializer.RECURRENT_WEIGHT_KEY, rw);
        gradient.gradientForVariable().put(LSTMParamInitializer.BIAS_KEY, b);
        weightNoiseParams.clear();
        return new Pair<>(gradient, inputGradient);
    }

    @Override
    public void setMaskArray(INDArray maskArray) {
        super.setMaskArray(maskArray);
        stepMask = maskArray;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        stepMask = maskArray;
        return super.feedForwardMaskArray(maskArray, currentMaskState, minibatchSize);
    }

    @Override
    public void clear() {
        super.clear();
        last = null;
    }

    /** The implementation oneDNN runs for a training minibatch of {@code batch} sequences of {@code steps}. */
    public String implementation(int batch, int steps) {
        return plan(batch, steps).implementation();
    }

    private INDArray forward(boolean training, Spans spans, LayerWorkspaceMgr workspaceMgr) {
        long nIn = layerConf().getNIn();
        if (input.size(1) != nIn) {
            throw new DL4JInvalidInputException("layer " + getIndex() + " (" + layerConf().getLayerName()
                    + ") expects input [minibatch, " + nIn + ", time], got " + Arrays.toString(input.shape()));
        }
        int n = (int) input.size(0);
        int units = (int) layerConf().getNOut();
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {n, units, input.size(2)}, 'f');
        boolean zeroed = maskArray != null; // DL4J zeroes masked steps' outputs when it was given the mask
        if (spans.steps() == 0) {
            last = training ? new Forwarded(null, input, stepMask, zeroed, spans) : null;
            return out;
        }
        LstmPlan plan = plan(n, spans.steps());
        toTimeMajor(floats(input), spans, true, plan.input(), plan.nIn);
        toGates(floats(getParam(LSTMParamInitializer.INPUT_WEIGHT_KEY)), plan.inputWeights(), plan.nIn, units);
        toGates(floats(getParam(LSTMParamInitializer.RECURRENT_WEIGHT_KEY)), plan.recurrentWeights(), units, units);
        toGates(floats(getParam(LSTMParamInitializer.BIAS_KEY)), plan.bias(), 1, units);
        fromTimeMajor(plan.forward(training), spans, !zeroed, out, units);
        last = training ? new Forwarded(plan, input, stepMask, zeroed, spans) : null;
        return out;
    }

    /** The sequences' unmasked runs when this layer can run them on oneDNN, else empty (DL4J's path). */
    private Optional<Spans> runnable() {
        if (!Dnnl.usable() || input.rank() != 3 || !OnednnLstm.runsExactly(layerConf())
                || getParam(LSTMParamInitializer.INPUT_WEIGHT_KEY).dataType() != DataType.FLOAT) {
            return Optional.empty();
        }
        return Spans.of(stepMask, input.size(0), input.size(2));
    }

    private LstmPlan plan(int batch, int steps) {
        int threads = Dnnl.threads();
        PlanKey key = new PlanKey(batch, steps, threads);
        LstmPlan plan = plans.get(key);
        if (plan == null) {
            engine e = Dnnl.cpuEngine().orElseThrow(() -> new IllegalStateException(
                    "oneDNN is not available: " + Dnnl.loadFailure()));
            int nIn = (int) layerConf().getNIn();
            int units = (int) layerConf().getNOut();
            plan = Dnnl.withOpenMpThreads(threads, () -> new LstmPlan(e, threads, batch, steps, nIn, units));
            plans.put(key, plan);
        }
        return plan;
    }

    private record PlanKey(int batch, int steps, int threads) {
    }

    /** What the last training forward ran, for the backward pass (plan null: every sequence was empty). */
    private record Forwarded(LstmPlan plan, INDArray input, INDArray mask, boolean zeroed, Spans spans) {
    }

    /**
     * Copies {@code [batch, features, time]} into {@code [step][batch][features]}, each sequence's run moved to
     * start at step 0; steps after a run's end are zero, or copied too for {@code withPadding} where the runs are
     * left-aligned.
     */
    private static void toTimeMajor(Strided from, Spans spans, boolean withPadding, FloatBuffer to, int features) {
        int batch = spans.start.length;
        int steps = spans.steps();
        for (int s = 0; s < batch; s++) {
            int start = spans.start[s];
            int length = withPadding ? spans.copied(s) : spans.length[s];
            for (int t = 0; t < steps; t++) {
                int base = (t * batch + s) * features;
                if (t < length) {
                    long at = from.offset + s * from.strides[0] + (long) (start + t) * from.strides[2];
                    for (int c = 0; c < features; c++) {
                        to.put(base + c, from.buffer.get((int) (at + c * from.strides[1])));
                    }
                } else {
                    for (int c = 0; c < features; c++) {
                        to.put(base + c, 0f);
                    }
                }
            }
        }
    }

    /**
     * Copies {@code [step][batch][features]} back into the runs of a zeroed {@code [batch, features, time]}, and
     * for {@code withPadding} the padding after left-aligned runs too.
     */
    private static void fromTimeMajor(FloatBuffer from, Spans spans, boolean withPadding, INDArray zeroed,
                                      int features) {
        Strided to = floats(zeroed);
        int batch = spans.start.length;
        for (int s = 0; s < batch; s++) {
            int start = spans.start[s];
            int length = withPadding ? spans.copied(s) : spans.length[s];
            for (int t = 0; t < length; t++) {
                int base = (t * batch + s) * features;
                long at = to.offset + s * to.strides[0] + (long) (start + t) * to.strides[2];
                for (int c = 0; c < features; c++) {
                    to.buffer.put((int) (at + c * to.strides[1]), from.get(base + c));
                }
            }
        }
    }

    /** DL4J's {@code [rows, 4 * units]} (gate blocks c~, f, o, i) into oneDNN's {@code [rows][4][units]} (i, f, c~, o). */
    private static void toGates(Strided from, FloatBuffer to, int rows, int units) {
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < 4; g++) {
                int base = (r * 4 + g) * units;
                long column = (long) DL4J_BLOCK[g] * units;
                for (int u = 0; u < units; u++) {
                    to.put(base + u, from.buffer.get((int) (from.offset + r * from.strides[0]
                            + (column + u) * from.strides[1])));
                }
            }
        }
    }

    /** oneDNN's {@code [rows][4][units]} back into DL4J's {@code [rows, 4 * units]} gradient view. */
    private static void fromGates(FloatBuffer from, INDArray view, int rows, int units) {
        Strided to = floats(view);
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < 4; g++) {
                int base = (r * 4 + g) * units;
                long column = (long) DL4J_BLOCK[g] * units;
                for (int u = 0; u < units; u++) {
                    to.buffer.put((int) (to.offset + r * to.strides[0] + (column + u) * to.strides[1]),
                            from.get(base + u));
                }
            }
        }
    }

    /** A float array's native buffer with its offset and strides, in elements. */
    private record Strided(FloatBuffer buffer, long offset, long[] strides) {
    }

    private static Strided floats(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        long[] strides = f.stride();
        long[] shape = f.shape();
        long span = 1;
        for (int i = 0; i < shape.length; i++) {
            span += (shape[i] - 1) * Math.abs(strides[i]);
        }
        org.bytedeco.javacpp.FloatPointer p = new org.bytedeco.javacpp.FloatPointer(
                Dnnl.at(f.data().address() + f.offset() * Float.BYTES));
        p.capacity(span);
        p.limit(span);
        return new Strided(p.asBuffer(), 0, strides);
    }

    /**
     * Each sequence's unmasked run: {@code start} and {@code length} per sequence, from a mask of ones (steps)
     * and zeros (padding) with at most one run of ones per row.
     */
    static final class Spans {
        final int[] start;
        final int[] length;
        private final int steps;
        private final boolean leftAligned;

        private Spans(int[] start, int[] length, int total) {
            this.start = start;
            this.length = length;
            this.leftAligned = Arrays.stream(start).allMatch(s -> s == 0);
            // Left-aligned runs run on over the padding (DL4J's outputs there); others only as far as the longest.
            this.steps = leftAligned && Arrays.stream(length).anyMatch(l -> l > 0) ? total
                    : Arrays.stream(length).max().orElse(0);
        }

        /** The steps the primitive runs. */
        int steps() {
            return steps;
        }

        /** The steps of sequence {@code s} that are run as they stand, padding included. */
        int copied(int s) {
            return leftAligned ? steps : length[s];
        }

        /** The runs of {@code mask} ({@code [batch, steps]}, null: all steps), or empty when it has other shapes. */
        static Optional<Spans> of(INDArray mask, long batch, long steps) {
            int n = (int) batch;
            int[] start = new int[n];
            int[] length = new int[n];
            if (mask == null) {
                Arrays.fill(length, (int) steps);
                return Optional.of(new Spans(start, length, (int) steps));
            }
            if (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != steps) {
                return Optional.empty();
            }
            float[][] m = mask.castTo(DataType.FLOAT).toFloatMatrix();
            for (int s = 0; s < n; s++) {
                int first = -1;
                int end = -1;
                for (int t = 0; t < steps; t++) {
                    float v = m[s][t];
                    if (v == 1f) {
                        if (first < 0) {
                            first = t;
                        } else if (end != t) {
                            return Optional.empty(); // a second run
                        }
                        end = t + 1;
                    } else if (v != 0f) {
                        return Optional.empty(); // DL4J scales by a mask value that is not 0 or 1
                    }
                }
                start[s] = Math.max(first, 0);
                length[s] = first < 0 ? 0 : end - first;
            }
            return Optional.of(new Spans(start, length, (int) steps));
        }
    }
}
