package io.sparktrain.nn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC_ITER_C;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_ITER_C;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.nio.FloatBuffer;
import java.util.Optional;
import java.util.function.Supplier;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.rnn_direction;
import org.bytedeco.dnnl.lstm_backward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * oneDNN's LSTM primitives (one layer, one direction, left to right, zero initial state) for one minibatch size,
 * step count and thread count. The plan owns its arrays in oneDNN's user layouts: the input and output time-major
 * ({@code tnc}: step, sequence, feature), weights {@code ldigo} (input, gate, unit) and bias {@code ldgo}, gates in
 * oneDNN's order i, f, c~, o; the caller fills and reads them ({@link OnednnLstmLayer} converts from and to DL4J's
 * arrays). The forward training workspace and output stay here until {@link #backward}. One plan serves one layer
 * and one thread at a time. Primitives run with at most the OpenMP threads they were created for.
 */
final class LstmPlan {
    final int batch;
    final int steps;
    final int nIn;
    final int units;
    private final int threads;
    private final engine engine;
    private final stream stream;
    private final memory src;
    private final memory weightsLayer;
    private final memory weightsIter;
    private final memory bias;
    private final memory.desc srcDesc;
    private final memory.desc stateDesc;
    private final memory zeroState;
    private final memory.desc dstDesc;
    private Forward inference;
    private Forward training;
    private Backward backward;

    /** The caller creates the plan with the calling thread's OpenMP count at {@code threads}. */
    LstmPlan(engine engine, int threads, int batch, int steps, int nIn, int units) {
        this.engine = engine;
        this.threads = threads;
        this.batch = batch;
        this.steps = steps;
        this.nIn = nIn;
        this.units = units;
        this.stream = new stream(engine);
        srcDesc = desc(new long[] {steps, batch, nIn}, memory.format_tag.tnc);
        dstDesc = desc(new long[] {steps, batch, units}, memory.format_tag.tnc);
        src = new memory(srcDesc, engine);
        // The initial hidden and cell states, given explicitly as zeros: with none given, oneDNN 2.5's backward
        // pass computed recurrent-weight gradients from a non-zero state before the first step.
        stateDesc = desc(new long[] {1, 1, batch, units}, memory.format_tag.ldnc);
        zeroState = new memory(stateDesc, engine);
        zero(zeroState);
        weightsLayer = new memory(desc(weightsLayerDims(), memory.format_tag.ldigo), engine);
        weightsIter = new memory(desc(weightsIterDims(), memory.format_tag.ldigo), engine);
        bias = new memory(desc(biasDims(), memory.format_tag.ldgo), engine);
    }

    /** The input, {@code [steps][batch][nIn]}, for the caller to fill before {@link #forward}. */
    FloatBuffer input() {
        return floats(src, (long) steps * batch * nIn);
    }

    /** Input weights {@code [nIn][4][units]}, gates i, f, c~, o. */
    FloatBuffer inputWeights() {
        return floats(weightsLayer, (long) nIn * 4 * units);
    }

    /** Recurrent weights {@code [units][4][units]}, gates i, f, c~, o. */
    FloatBuffer recurrentWeights() {
        return floats(weightsIter, (long) units * 4 * units);
    }

    /** Bias {@code [4][units]}, gates i, f, c~, o. */
    FloatBuffer bias() {
        return floats(bias, 4L * units);
    }

    /** oneDNN's implementation for the training forward pass, e.g. "ref:any" or a jit kernel. */
    String implementation() {
        return forwardPrimitive(true).pd.impl_info_str().getString();
    }

    /**
     * Runs the LSTM over the input with the weights and bias as filled; returns the output, {@code
     * [steps][batch][units]}, valid until the next call. A training run keeps what {@link #backward} needs.
     */
    FloatBuffer forward(boolean forTraining) {
        Forward f = forwardPrimitive(forTraining);
        f.run();
        return floats(f.dst, (long) steps * batch * units);
    }

    private Forward forwardPrimitive(boolean forTraining) {
        if (forTraining) {
            if (training == null) {
                training = Dnnl.withOpenMpThreads(threads, () -> new Forward(true));
            }
            return training;
        }
        if (inference == null) {
            inference = Dnnl.withOpenMpThreads(threads, () -> new Forward(false));
        }
        return inference;
    }

    /** The output-gradient array, {@code [steps][batch][units]}, for the caller to fill before {@link #backward}. */
    FloatBuffer outputGradient() {
        return floats(backwardPrimitive().diffDst, (long) steps * batch * units);
    }

    /**
     * Backpropagates the output gradient through the last training {@link #forward} (same input, weights and bias
     * arrays). The results are read with {@link #inputGradient}, {@link #inputWeightsGradient},
     * {@link #recurrentWeightsGradient} and {@link #biasGradient}.
     */
    void backward() {
        if (training == null) {
            throw new IllegalStateException("LSTM backward before a training forward");
        }
        backwardPrimitive().run();
    }

    private Backward backwardPrimitive() {
        if (backward == null) {
            forwardPrimitive(true);
            backward = Dnnl.withOpenMpThreads(threads, Backward::new);
        }
        return backward;
    }

    FloatBuffer inputGradient() {
        return floats(backwardPrimitive().diffSrc, (long) steps * batch * nIn);
    }

    FloatBuffer inputWeightsGradient() {
        return floats(backwardPrimitive().diffWeightsLayer.user, (long) nIn * 4 * units);
    }

    FloatBuffer recurrentWeightsGradient() {
        return floats(backwardPrimitive().diffWeightsIter.user, (long) units * 4 * units);
    }

    FloatBuffer biasGradient() {
        return floats(backwardPrimitive().diffBias, 4L * units);
    }

    private final class Forward {
        final lstm_forward.primitive_desc pd;
        final lstm_forward primitive;
        final Staged weightsLayerIn;
        final Staged weightsIterIn;
        final memory dst;
        final Optional<memory> workspace;
        final IntMemoryMap args;

        Forward(boolean forTraining) {
            memory.desc none = new memory.desc();
            pd = new lstm_forward.primitive_desc(new lstm_forward.desc(
                    forTraining ? prop_kind.forward_training : prop_kind.forward_inference,
                    rnn_direction.unidirectional_left2right, srcDesc, stateDesc, stateDesc, any(weightsLayerDims()),
                    any(weightsIterDims()), desc(biasDims(), memory.format_tag.ldgo), dstDesc, none, none),
                    Dnnl.ownScratchpad(), engine);
            weightsLayerIn = Staged.of(engine, weightsLayer, pd.weights_layer_desc());
            weightsIterIn = Staged.of(engine, weightsIter, pd.weights_iter_desc());
            dst = new memory(pd.dst_layer_desc(), engine);
            workspace = forTraining ? Optional.of(new memory(pd.workspace_desc(), engine)) : Optional.empty();
            primitive = new lstm_forward(pd);
            args = new IntMemoryMap();
            args.put(DNNL_ARG_SRC_LAYER, src);
            args.put(DNNL_ARG_SRC_ITER, zeroState);
            args.put(DNNL_ARG_SRC_ITER_C, zeroState);
            args.put(DNNL_ARG_WEIGHTS_LAYER, weightsLayerIn.inner);
            args.put(DNNL_ARG_WEIGHTS_ITER, weightsIterIn.inner);
            args.put(DNNL_ARG_BIAS, bias);
            args.put(DNNL_ARG_DST_LAYER, dst);
            workspace.ifPresent(w -> args.put(DNNL_ARG_WORKSPACE, w));
            args.put(DNNL_ARG_SCRATCHPAD, new memory(pd.scratchpad_desc(), engine));
        }

        void run() {
            atMostCreationThreads(() -> {
                weightsLayerIn.toInner(stream);
                weightsIterIn.toInner(stream);
                primitive.execute(stream, args);
                stream._wait();
                return null;
            });
        }
    }

    private final class Backward {
        final lstm_backward primitive;
        final Staged weightsLayerIn;
        final Staged weightsIterIn;
        final memory diffDst;
        final memory diffSrc;
        final memory diffState;
        final Staged diffWeightsLayer;
        final Staged diffWeightsIter;
        final memory diffBias;
        final IntMemoryMap args;

        Backward() {
            memory.desc none = new memory.desc();
            memory.desc biasDesc = desc(biasDims(), memory.format_tag.ldgo);
            lstm_backward.primitive_desc pd = new lstm_backward.primitive_desc(new lstm_backward.desc(
                    prop_kind.backward, rnn_direction.unidirectional_left2right, srcDesc, stateDesc, stateDesc,
                    any(weightsLayerDims()), any(weightsIterDims()), biasDesc, dstDesc, none, none,
                    srcDesc, stateDesc, stateDesc, any(weightsLayerDims()), any(weightsIterDims()), biasDesc, dstDesc,
                    none,
                    none), Dnnl.ownScratchpad(), engine, training.pd);
            weightsLayerIn = Staged.of(engine, weightsLayer, pd.weights_layer_desc());
            weightsIterIn = Staged.of(engine, weightsIter, pd.weights_iter_desc());
            diffDst = new memory(pd.diff_dst_layer_desc(), engine);
            diffSrc = new memory(pd.diff_src_layer_desc(), engine);
            diffState = new memory(stateDesc, engine); // the initial states' gradients, not used
            diffWeightsLayer = Staged.outOf(engine, new memory(pd.diff_weights_layer_desc(), engine),
                    desc(weightsLayerDims(), memory.format_tag.ldigo), false);
            diffWeightsIter = Staged.outOf(engine, new memory(pd.diff_weights_iter_desc(), engine),
                    desc(weightsIterDims(), memory.format_tag.ldigo), false);
            diffBias = new memory(pd.diff_bias_desc(), engine);
            primitive = new lstm_backward(pd);
            args = new IntMemoryMap();
            args.put(DNNL_ARG_SRC_LAYER, src);
            args.put(DNNL_ARG_SRC_ITER, zeroState);
            args.put(DNNL_ARG_SRC_ITER_C, zeroState);
            args.put(DNNL_ARG_WEIGHTS_LAYER, weightsLayerIn.inner);
            args.put(DNNL_ARG_WEIGHTS_ITER, weightsIterIn.inner);
            args.put(DNNL_ARG_BIAS, bias);
            args.put(DNNL_ARG_DST_LAYER, training.dst);
            args.put(DNNL_ARG_WORKSPACE, training.workspace.orElseThrow());
            args.put(DNNL_ARG_DIFF_DST_LAYER, diffDst);
            args.put(DNNL_ARG_DIFF_SRC_LAYER, diffSrc);
            args.put(DNNL_ARG_DIFF_SRC_ITER, diffState);
            args.put(DNNL_ARG_DIFF_SRC_ITER_C, diffState);
            args.put(DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWeightsLayer.inner);
            args.put(DNNL_ARG_DIFF_WEIGHTS_ITER, diffWeightsIter.inner);
            args.put(DNNL_ARG_DIFF_BIAS, diffBias);
            args.put(DNNL_ARG_SCRATCHPAD, new memory(pd.scratchpad_desc(), engine));
        }

        void run() {
            atMostCreationThreads(() -> {
                weightsLayerIn.toInner(stream);
                weightsIterIn.toInner(stream);
                // oneDNN adds the weight and bias gradients to what these arrays hold.
                zero(diffWeightsLayer.inner);
                zero(diffWeightsIter.inner);
                zero(diffBias);
                primitive.execute(stream, args);
                diffWeightsLayer.toUser(stream);
                diffWeightsIter.toUser(stream);
                stream._wait();
                return null;
            });
        }
    }

    /**
     * Runs {@code body} with the calling thread's OpenMP count at most the count the primitives were created for:
     * oneDNN sizes an LSTM's scratch memory for that count, and a Spark task thread starts with every core. A
     * smaller count is safe and left as it is (switching the count around every call costs more than it gives).
     */
    private void atMostCreationThreads(Supplier<Object> body) {
        if (NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads() > threads) {
            Dnnl.withOpenMpThreads(threads, body);
        } else {
            body.get();
        }
    }

    private long[] weightsLayerDims() {
        return new long[] {1, 1, nIn, 4, units};
    }

    private long[] weightsIterDims() {
        return new long[] {1, 1, units, 4, units};
    }

    private long[] biasDims() {
        return new long[] {1, 1, 4, units};
    }

    private static void zero(memory m) {
        Pointer.memset(m.get_data_handle(), 0, m.get_desc().get_size());
    }

    private static FloatBuffer floats(memory m, long count) {
        FloatPointer p = new FloatPointer(m.get_data_handle());
        p.capacity(count);
        p.limit(count);
        return p.asBuffer();
    }

    private static memory.desc any(long[] dims) {
        return desc(dims, memory.format_tag.any);
    }

    private static memory.desc desc(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** A memory and its copy in the layout a primitive wants, with the reorder between them when they differ. */
}
