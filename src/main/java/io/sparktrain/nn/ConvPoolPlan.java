package io.sparktrain.nn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.util.Optional;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;

/**
 * The oneDNN primitives of one convolution + bias + activation + pooling block for one input geometry. Arrays
 * crossing the block's boundary are DL4J's (NCHW, weights OIHW, row-major); inside it oneDNN picks its own blocked
 * layouts and keeps them from forward to backward: the convolution's output (after the activation, which runs as
 * a post-op of the convolution) and the pooling workspace stay in native memory owned by this plan. One plan
 * serves one layer and one thread at a time; {@link #backward} uses the state of the last {@link #forward}.
 */
final class ConvPoolPlan {
    private static final long[] NO_PAD = {0, 0};

    private final BlockGeometry g;
    private final engine engine;
    private final int threads;
    private final BlockActivation activation;
    private final algorithm poolAlg;
    private final boolean inputGradient;
    private final stream stream;
    private final Staged src;
    private final Staged weights;
    private final memory bias;
    private final convolution_forward.primitive_desc convPd;
    private final convolution_forward conv;
    private final IntMemoryMap convArgs;
    private final memory convDst;
    private final pooling_forward.primitive_desc poolPd;
    private final pooling_forward pool;
    private final IntMemoryMap poolArgs;
    private final memory workspace;
    private final Staged out;
    private final memory.desc inputLayout;
    private final memory.desc outputLayout;
    private Backward backward;

    /**
     * Builds the forward primitives; the backward ones (and their buffers) are built on the first {@link #backward},
     * so a plan that only evaluates holds forward buffers only. The caller creates the plan with the calling
     * thread's OpenMP count at {@code threads} (see {@link Dnnl#threads()}).
     *
     * @param inputLayout the input's layout when the previous block hands over its own ({@link #outputLayout()});
     *     empty for NCHW. The input gradient is written in the same layout.
     * @param mayBlockOutput whether the next layer is a block that takes this block's layout: then the output (and
     *     the gradient coming back for it) stay in oneDNN's layout when that fits the DL4J array, saving two
     *     reorders forward and two backward
     */
    ConvPoolPlan(engine engine, int threads, BlockGeometry g, BlockActivation activation, boolean pooledMax,
                 boolean inputGradient, Optional<memory.desc> inputLayout, boolean mayBlockOutput) {
        this.g = g;
        this.engine = engine;
        this.threads = threads;
        this.activation = activation;
        this.poolAlg = pooledMax ? algorithm.pooling_max : algorithm.pooling_avg_include_padding;
        this.inputGradient = inputGradient;
        this.stream = new stream(engine);
        primitive_attr attr = new primitive_attr();
        activation.forward().ifPresent(alg -> {
            post_ops ops = new post_ops();
            ops.append_eltwise(1f, alg, activation.alpha(), 0f);
            attr.set_post_ops(ops);
        });
        convPd = new convolution_forward.primitive_desc(new convolution_forward.desc(prop_kind.forward_training,
                algorithm.convolution_direct, any(g.inputShape()), any(g.weightShape()), any(biasShape()),
                any(g.convShape()), convStride(), convPadLeft(), g.convPadRight()), attr, engine);
        this.inputLayout = inputLayout.orElse(desc(g.inputShape(), memory.format_tag.nchw));
        src = Staged.borrowing(engine, this.inputLayout, convPd.src_desc());
        weights = Staged.borrowing(engine, desc(g.weightShape(), memory.format_tag.oihw), convPd.weights_desc());
        bias = new memory(convPd.bias_desc(), engine, null);
        convDst = new memory(convPd.dst_desc(), engine);
        conv = new convolution_forward(convPd);
        convArgs = args(DNNL_ARG_SRC, src.inner, DNNL_ARG_WEIGHTS, weights.inner, DNNL_ARG_BIAS, bias,
                DNNL_ARG_DST, convDst);

        poolPd = new pooling_forward.primitive_desc(new pooling_forward.desc(prop_kind.forward_training, poolAlg,
                convPd.dst_desc(), any(g.outputShape()), poolStride(), poolKernel(), NO_PAD, NO_PAD), engine);
        memory poolDst = new memory(poolPd.dst_desc(), engine);
        workspace = new memory(poolPd.workspace_desc(), engine);
        pool = new pooling_forward(poolPd);
        poolArgs = args(DNNL_ARG_SRC, convDst, DNNL_ARG_DST, poolDst, DNNL_ARG_WORKSPACE, workspace);
        long outBytes = Float.BYTES;
        for (long d : g.outputShape()) {
            outBytes *= d;
        }
        // oneDNN's layout pads channels to its block size; only an unpadded one fits the DL4J array.
        boolean blocked = mayBlockOutput && poolPd.dst_desc().get_size() == outBytes;
        outputLayout = blocked ? poolPd.dst_desc() : desc(g.outputShape(), memory.format_tag.nchw);
        out = Staged.outOf(engine, poolDst, outputLayout, true);
    }

    /** The layout of the output array (and of the gradient expected for it): oneDNN's own, or NCHW. */
    memory.desc outputLayout() {
        return outputLayout;
    }

    BlockGeometry geometry() {
        return g;
    }

    boolean hasInputGradient() {
        return inputGradient;
    }

    /** Runs the block on DL4J arrays given by address: input, weights, bias in; pooled output out. */
    void forward(long input, long weightsAt, long biasAt, long output) {
        src.user.set_data_handle(Dnnl.at(input));
        weights.user.set_data_handle(Dnnl.at(weightsAt));
        bias.set_data_handle(Dnnl.at(biasAt));
        out.user.set_data_handle(Dnnl.at(output));
        src.toInner(stream);
        weights.toInner(stream);
        conv.execute(stream, convArgs);
        pool.execute(stream, poolArgs);
        out.toUser(stream);
        stream._wait();
    }

    /**
     * Backpropagates the gradient at the pooled output through the last {@link #forward}: writes the weight and
     * bias gradients, and the input gradient when the plan has one ({@code inputGradientAt} 0 otherwise).
     */
    void backward(long input, long outputGradient, long weightsAt, long weightsGradient, long biasGradient,
                  long inputGradientAt) {
        if (backward == null) {
            backward = Dnnl.withOpenMpThreads(threads, Backward::new);
        }
        backward.run(input, outputGradient, weightsAt, weightsGradient, biasGradient, inputGradientAt);
    }

    /** The backward primitives and their buffers. */
    private final class Backward {
        private final Staged diffOut;
        private final pooling_backward poolBack;
        private final IntMemoryMap poolBackArgs;
        private final Optional<eltwise_backward> activationBack;
        private final IntMemoryMap activationBackArgs;
        private final Staged backSrc;
        private final Staged backDiffDst;
        private final convolution_backward_weights weightsBack;
        private final IntMemoryMap weightsBackArgs;
        private final Staged diffWeights;
        private final memory diffBias;
        private final Optional<DataBack> dataBack;

        Backward() {
            pooling_backward.primitive_desc poolBackPd = new pooling_backward.primitive_desc(
                    new pooling_backward.desc(poolAlg, convPd.dst_desc(), poolPd.dst_desc(), poolStride(),
                            poolKernel(), NO_PAD, NO_PAD), engine, poolPd);
            diffOut = Staged.borrowing(engine, outputLayout, poolBackPd.diff_dst_desc());
            memory diffConvDst = new memory(poolBackPd.diff_src_desc(), engine);
            poolBack = new pooling_backward(poolBackPd);
            poolBackArgs = args(DNNL_ARG_DIFF_DST, diffOut.inner, DNNL_ARG_DIFF_SRC, diffConvDst,
                    DNNL_ARG_WORKSPACE, workspace);

            // The activation's derivative from its output, in place on the gradient pooling produced.
            activationBack = activation.backward().map(alg -> {
                eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                        prop_kind.forward_training, alg, convPd.dst_desc(), activation.alpha(), 0f), engine);
                return new eltwise_backward(new eltwise_backward.primitive_desc(new eltwise_backward.desc(alg,
                        poolBackPd.diff_src_desc(), convPd.dst_desc(), activation.alpha(), 0f), engine, hint));
            });
            activationBackArgs = args(DNNL_ARG_DST, convDst, DNNL_ARG_DIFF_DST, diffConvDst,
                    DNNL_ARG_DIFF_SRC, diffConvDst);

            convolution_backward_weights.primitive_desc weightsPd = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(algorithm.convolution_direct, any(g.inputShape()),
                            any(g.weightShape()), any(biasShape()), any(g.convShape()), convStride(),
                            convPadLeft(), g.convPadRight()), engine, convPd);
            backSrc = Staged.of(engine, src.inner, weightsPd.src_desc());
            backDiffDst = Staged.of(engine, diffConvDst, weightsPd.diff_dst_desc());
            memory innerDiffWeights = new memory(weightsPd.diff_weights_desc(), engine);
            diffWeights = Staged.outOf(engine, innerDiffWeights, desc(g.weightShape(), memory.format_tag.oihw), true);
            diffBias = new memory(weightsPd.diff_bias_desc(), engine, null);
            weightsBack = new convolution_backward_weights(weightsPd);
            weightsBackArgs = args(DNNL_ARG_SRC, backSrc.inner, DNNL_ARG_DIFF_DST, backDiffDst.inner,
                    DNNL_ARG_DIFF_WEIGHTS, innerDiffWeights, DNNL_ARG_DIFF_BIAS, diffBias);

            if (inputGradient) {
                convolution_backward_data.primitive_desc dataPd = new convolution_backward_data.primitive_desc(
                        new convolution_backward_data.desc(algorithm.convolution_direct, any(g.inputShape()),
                                any(g.weightShape()), any(g.convShape()), convStride(), convPadLeft(),
                                g.convPadRight()), engine, convPd);
                Staged w = Staged.borrowing(engine, desc(g.weightShape(), memory.format_tag.oihw),
                        dataPd.weights_desc());
                Staged dd = Staged.of(engine, diffConvDst, dataPd.diff_dst_desc());
                memory innerDiffSrc = new memory(dataPd.diff_src_desc(), engine);
                Staged ds = Staged.outOf(engine, innerDiffSrc, inputLayout, true);
                dataBack = Optional.of(new DataBack(new convolution_backward_data(dataPd), args(DNNL_ARG_DIFF_DST,
                        dd.inner, DNNL_ARG_WEIGHTS, w.inner, DNNL_ARG_DIFF_SRC, innerDiffSrc), w, dd, ds));
            } else {
                dataBack = Optional.empty();
            }
        }

        void run(long input, long outputGradient, long weightsAt, long weightsGradient, long biasGradient,
                 long inputGradientAt) {
            src.user.set_data_handle(Dnnl.at(input));
            diffOut.user.set_data_handle(Dnnl.at(outputGradient));
            diffWeights.user.set_data_handle(Dnnl.at(weightsGradient));
            diffBias.set_data_handle(Dnnl.at(biasGradient));
            diffOut.toInner(stream);
            poolBack.execute(stream, poolBackArgs);
            activationBack.ifPresent(p -> p.execute(stream, activationBackArgs));
            backSrc.toInner(stream);
            backDiffDst.toInner(stream);
            weightsBack.execute(stream, weightsBackArgs);
            diffWeights.toUser(stream);
            dataBack.ifPresent(d -> {
                d.weights.user.set_data_handle(Dnnl.at(weightsAt));
                d.diffSrc.user.set_data_handle(Dnnl.at(inputGradientAt));
                d.weights.toInner(stream);
                d.diffDst.toInner(stream);
                d.primitive.execute(stream, d.args);
                d.diffSrc.toUser(stream);
            });
            stream._wait();
        }
    }

    /** The backward-data part, built only when the layer's input gradient is wanted. */
    private record DataBack(convolution_backward_data primitive, IntMemoryMap args, Staged weights, Staged diffDst,
                            Staged diffSrc) {
    }

    private long[] biasShape() {
        return new long[] {g.outChannels()};
    }

    private long[] convStride() {
        return new long[] {g.strideH(), g.strideW()};
    }

    private long[] convPadLeft() {
        return new long[] {g.padH(), g.padW()};
    }

    private long[] poolKernel() {
        return new long[] {g.poolH(), g.poolW()};
    }

    private long[] poolStride() {
        return new long[] {g.poolStrideH(), g.poolStrideW()};
    }

    private static memory.desc any(long[] dims) {
        return desc(dims, memory.format_tag.any);
    }

    private static memory.desc desc(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    private static IntMemoryMap args(Object... argAndMemory) {
        IntMemoryMap map = new IntMemoryMap();
        for (int i = 0; i < argAndMemory.length; i += 2) {
            map.put((Integer) argAndMemory[i], (memory) argAndMemory[i + 1]);
        }
        return map;
    }
}
