package io.sparktrain.nn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.util.Optional;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.rnn_direction;
import org.bytedeco.dnnl.lbr_gru_backward;
import org.bytedeco.dnnl.lbr_gru_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;

/**
 * oneDNN's linear-before-reset GRU primitives for one direction of one layer and one minibatch geometry (steps,
 * batch), left to right, one layer, zero initial state. The arrays crossing its boundary are float32 and row-major
 * in oneDNN's plain layouts: inputs and outputs {@code tnc} (time-major), weights {@code ldigo} and bias {@code ldgo}
 * with oneDNN's gate order u (update, PyTorch's z), r, o (candidate, PyTorch's n); the bias has a fourth row, the
 * candidate's recurrent bias b_hn that r multiplies. Inside, oneDNN picks its own weight layouts and keeps the
 * training forward's workspace for {@link #backward}. One plan serves one direction at a time.
 */
final class GruPlan {
    private final engine engine;
    private final int threads;
    private final long[] layerDims;
    private final long[] outputDims;
    private final long[] weightsLayerDims;
    private final long[] weightsIterDims;
    private final long[] biasDims;
    private final stream stream;
    private Forward training;
    private Forward inference;
    private Backward backward;

    /** The caller creates the plan with the calling thread's OpenMP count at {@code threads}. */
    GruPlan(engine engine, int threads, int steps, int batch, long inputs, long units) {
        this.engine = engine;
        this.threads = threads;
        this.layerDims = new long[] {steps, batch, inputs};
        this.outputDims = new long[] {steps, batch, units};
        this.weightsLayerDims = new long[] {1, 1, inputs, 3, units};
        this.weightsIterDims = new long[] {1, 1, units, 3, units};
        this.biasDims = new long[] {1, 1, 4, units};
        this.stream = new stream(engine);
    }

    /**
     * Runs the GRU over inputs {@code x} into outputs {@code h}; a training forward keeps its workspace for
     * {@link #backward}.
     */
    void forward(boolean train, long x, long weightsLayer, long weightsIter, long bias, long h) {
        Forward f = train ? training() : inference();
        f.src.set_data_handle(Dnnl.at(x));
        f.weightsLayer.user.set_data_handle(Dnnl.at(weightsLayer));
        f.weightsIter.user.set_data_handle(Dnnl.at(weightsIter));
        f.bias.set_data_handle(Dnnl.at(bias));
        f.dst.set_data_handle(Dnnl.at(h));
        f.weightsLayer.toInner(stream);
        f.weightsIter.toInner(stream);
        f.primitive.execute(stream, f.args);
        stream._wait();
    }

    /**
     * Backpropagates {@code dh} through the last training forward (same x, weights, bias and h); overwrites the
     * gradients with respect to x, the weights and the bias (the gradient arrays must hold zeros: oneDNN adds to
     * them).
     */
    void backward(long x, long weightsLayer, long weightsIter, long bias, long h, long dh, long dx,
                  long dWeightsLayer, long dWeightsIter, long dBias) {
        if (training == null) {
            throw new IllegalStateException("GRU backward before a training forward");
        }
        if (backward == null) {
            backward = Dnnl.withOpenMpThreads(threads, Backward::new);
        }
        Backward b = backward;
        b.src.set_data_handle(Dnnl.at(x));
        b.weightsLayer.user.set_data_handle(Dnnl.at(weightsLayer));
        b.weightsIter.user.set_data_handle(Dnnl.at(weightsIter));
        b.bias.set_data_handle(Dnnl.at(bias));
        b.dst.set_data_handle(Dnnl.at(h));
        b.diffDst.set_data_handle(Dnnl.at(dh));
        b.diffSrc.set_data_handle(Dnnl.at(dx));
        b.diffWeightsLayer.user.set_data_handle(Dnnl.at(dWeightsLayer));
        b.diffWeightsIter.user.set_data_handle(Dnnl.at(dWeightsIter));
        b.diffBias.set_data_handle(Dnnl.at(dBias));
        b.weightsLayer.toInner(stream);
        b.weightsIter.toInner(stream);
        // Copies the zeros in when oneDNN accumulates into a layout of its own.
        b.diffWeightsLayer.toInner(stream);
        b.diffWeightsIter.toInner(stream);
        b.primitive.execute(stream, b.args);
        b.diffWeightsLayer.toUser(stream);
        b.diffWeightsIter.toUser(stream);
        stream._wait();
    }

    private Forward training() {
        if (training == null) {
            training = Dnnl.withOpenMpThreads(threads, () -> new Forward(prop_kind.forward_training));
        }
        return training;
    }

    private Forward inference() {
        if (inference == null) {
            inference = Dnnl.withOpenMpThreads(threads, () -> new Forward(prop_kind.forward_inference));
        }
        return inference;
    }

    /** A forward primitive (training or inference) and its memories. */
    private final class Forward {
        final lbr_gru_forward.primitive_desc pd;
        final lbr_gru_forward primitive;
        final memory src;
        final Staged weightsLayer;
        final Staged weightsIter;
        final memory bias;
        final memory dst;
        final Optional<memory> workspace;
        final IntMemoryMap args;

        Forward(prop_kind kind) {
            // Plain ldigo weights: with "any", inference picks a packed layout that oneDNN 2.5 cannot reorder
            // into for some sizes (24 inputs, 24 units: "could not create a reorder").
            pd = new lbr_gru_forward.primitive_desc(new lbr_gru_forward.desc(kind,
                    rnn_direction.unidirectional_left2right, desc(layerDims, memory.format_tag.tnc), new memory.desc(),
                    desc(weightsLayerDims, memory.format_tag.ldigo), desc(weightsIterDims, memory.format_tag.ldigo),
                    desc(biasDims, memory.format_tag.ldgo), desc(outputDims, memory.format_tag.tnc),
                    new memory.desc()), Dnnl.ownScratchpad(), engine);
            primitive = new lbr_gru_forward(pd);
            src = new memory(pd.src_layer_desc(), engine, null);
            weightsLayer = Staged.borrowing(engine, desc(weightsLayerDims, memory.format_tag.ldigo),
                    pd.weights_layer_desc());
            weightsIter = Staged.borrowing(engine, desc(weightsIterDims, memory.format_tag.ldigo),
                    pd.weights_iter_desc());
            bias = new memory(pd.bias_desc(), engine, null);
            dst = new memory(pd.dst_layer_desc(), engine, null);
            workspace = kind == prop_kind.forward_training
                    ? Optional.of(new memory(pd.workspace_desc(), engine)) : Optional.empty();
            args = new IntMemoryMap();
            args.put(DNNL_ARG_SRC_LAYER, src);
            args.put(DNNL_ARG_WEIGHTS_LAYER, weightsLayer.inner);
            args.put(DNNL_ARG_WEIGHTS_ITER, weightsIter.inner);
            args.put(DNNL_ARG_BIAS, bias);
            args.put(DNNL_ARG_DST_LAYER, dst);
            workspace.ifPresent(w -> args.put(DNNL_ARG_WORKSPACE, w));
            args.put(DNNL_ARG_SCRATCHPAD, new memory(pd.scratchpad_desc(), engine));
        }
    }

    /** The backward primitive, built on the training forward, and its memories. */
    private final class Backward {
        final lbr_gru_backward primitive;
        final memory src;
        final Staged weightsLayer;
        final Staged weightsIter;
        final memory bias;
        final memory dst;
        final memory diffDst;
        final memory diffSrc;
        final Staged diffWeightsLayer;
        final Staged diffWeightsIter;
        final memory diffBias;
        final IntMemoryMap args;

        Backward() {
            memory.desc none = new memory.desc();
            lbr_gru_backward.primitive_desc pd = new lbr_gru_backward.primitive_desc(new lbr_gru_backward.desc(
                    prop_kind.backward, rnn_direction.unidirectional_left2right,
                    desc(layerDims, memory.format_tag.tnc), none,
                    desc(weightsLayerDims, memory.format_tag.any), desc(weightsIterDims, memory.format_tag.any),
                    desc(biasDims, memory.format_tag.ldgo), desc(outputDims, memory.format_tag.tnc), none,
                    desc(layerDims, memory.format_tag.tnc), none,
                    desc(weightsLayerDims, memory.format_tag.any), desc(weightsIterDims, memory.format_tag.any),
                    desc(biasDims, memory.format_tag.ldgo), desc(outputDims, memory.format_tag.tnc), none),
                    Dnnl.ownScratchpad(), engine, training.pd);
            primitive = new lbr_gru_backward(pd);
            src = new memory(pd.src_layer_desc(), engine, null);
            weightsLayer = Staged.borrowing(engine, desc(weightsLayerDims, memory.format_tag.ldigo),
                    pd.weights_layer_desc());
            weightsIter = Staged.borrowing(engine, desc(weightsIterDims, memory.format_tag.ldigo),
                    pd.weights_iter_desc());
            bias = new memory(pd.bias_desc(), engine, null);
            dst = new memory(pd.dst_layer_desc(), engine, null);
            diffDst = new memory(pd.diff_dst_layer_desc(), engine, null);
            diffSrc = new memory(pd.diff_src_layer_desc(), engine, null);
            diffWeightsLayer = Staged.borrowing(engine, desc(weightsLayerDims, memory.format_tag.ldigo),
                    pd.diff_weights_layer_desc());
            diffWeightsIter = Staged.borrowing(engine, desc(weightsIterDims, memory.format_tag.ldigo),
                    pd.diff_weights_iter_desc());
            diffBias = new memory(pd.diff_bias_desc(), engine, null);
            args = new IntMemoryMap();
            args.put(DNNL_ARG_SRC_LAYER, src);
            args.put(DNNL_ARG_WEIGHTS_LAYER, weightsLayer.inner);
            args.put(DNNL_ARG_WEIGHTS_ITER, weightsIter.inner);
            args.put(DNNL_ARG_BIAS, bias);
            args.put(DNNL_ARG_DST_LAYER, dst);
            args.put(DNNL_ARG_WORKSPACE, training.workspace.orElseThrow());
            args.put(DNNL_ARG_DIFF_DST_LAYER, diffDst);
            args.put(DNNL_ARG_DIFF_SRC_LAYER, diffSrc);
            args.put(DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWeightsLayer.inner);
            args.put(DNNL_ARG_DIFF_WEIGHTS_ITER, diffWeightsIter.inner);
            args.put(DNNL_ARG_DIFF_BIAS, diffBias);
            args.put(DNNL_ARG_SCRATCHPAD, new memory(pd.scratchpad_desc(), engine));
        }
    }

    private static memory.desc desc(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }
}
