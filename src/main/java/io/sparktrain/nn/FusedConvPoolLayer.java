package io.sparktrain.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a {@link FusedConvPool} block with oneDNN: forward is one convolution with the activation as its post-op
 * and one pooling; backward is pooling backward, the activation's derivative from its output, convolution backward
 * for weights and bias, and (unless the layer is the network's first, whose input gradient nobody reads)
 * convolution backward for the input. DL4J's own path runs each of those as a separate libnd4j op with NCHW arrays
 * in between and reorders to oneDNN's layouts inside each op. Consecutive blocks linked with {@link #feedDirectly}
 * skip NCHW between them as well.
 *
 * <p>Arrays are float32. Primitives are built per input geometry and thread count on first use and kept (a few:
 * the training minibatch, a short last minibatch, the evaluation batch).
 */
public class FusedConvPoolLayer extends ConvolutionLayer {
    private static final int PLANS_KEPT = 3;

    private final transient Map<PlanKey, ConvPoolPlan> plans = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PlanKey, ConvPoolPlan> eldest) {
            return size() > PLANS_KEPT;
        }
    };
    private boolean inputGradient = true;
    private transient INDArray blockInput;
    private transient FusedConvPoolLayer previous;
    private transient boolean feedsNext;
    private transient ConvPoolPlan lastPlan;

    public FusedConvPoolLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * Stops computing the gradient with respect to the layer's input; for the first layer of a network without an
     * input preprocessor, where {@code MultiLayerNetwork} discards it. {@link #backpropGradient} then returns a
     * null input gradient.
     */
    public void skipInputGradient() {
        inputGradient = false;
        plans.clear();
    }

    /**
     * Makes this block hand its output to {@code next}, the following layer with nothing in between, in oneDNN's
     * layout rather than NCHW (and take the gradient back in it), where the layout fits the array. The array between
     * them then holds oneDNN's layout under an NCHW shape: only {@code next} may read it.
     */
    public void feedDirectly(FusedConvPoolLayer next) {
        feedsNext = true;
        next.previous = this;
        plans.clear();
        next.plans.clear();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        blockInput = rowMajorFloat(input, workspaceMgr, ArrayType.INPUT);
        ConvPoolPlan plan = plan(blockInput);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                plan.geometry().outputShape(), 'c');
        plan.forward(address(blockInput), address(getParam(ConvolutionParamInitializer.WEIGHT_KEY)),
                address(getParam(ConvolutionParamInitializer.BIAS_KEY)), address(out));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (blockInput == null) {
            throw new IllegalStateException("FusedConvPoolLayer " + getIndex() + ": backprop before forward");
        }
        ConvPoolPlan plan = lastPlan; // backward continues from the state of the last forward
        INDArray outputGradient = rowMajorFloat(epsilon, workspaceMgr, ArrayType.ACTIVATION_GRAD);
        INDArray weightGradient = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray biasGradient = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
        INDArray inputGrad = plan.hasInputGradient()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, blockInput.shape(), 'c')
                : null;
        plan.backward(address(blockInput), address(outputGradient),
                address(getParam(ConvolutionParamInitializer.WEIGHT_KEY)), address(weightGradient),
                address(biasGradient), inputGrad == null ? 0 : address(inputGrad));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradient);
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradient, 'c');
        weightNoiseParams.clear();
        return new Pair<>(gradient, inputGrad);
    }

    @Override
    public void clear() {
        super.clear();
        blockInput = null;
    }

    private ConvPoolPlan plan(INDArray in) {
        FusedConvPool c = (FusedConvPool) layerConf();
        if (in.rank() != 4 || in.size(1) != c.getNIn()) {
            throw new DL4JInvalidInputException("layer " + getIndex() + " (" + c.getLayerName() + ") expects input "
                    + "[minibatch, " + c.getNIn() + ", height, width], got " + Arrays.toString(in.shape()));
        }
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        int[] pk = c.getPoolKernel();
        int[] ps = c.getPoolStride();
        BlockGeometry g = new BlockGeometry(in.size(0), in.size(1), in.size(2), in.size(3), c.getNOut(), k[0], k[1],
                s[0], s[1], p[0], p[1], pk[0], pk[1], ps[0], ps[1]);
        int threads = Dnnl.threads();
        PlanKey key = new PlanKey(g, threads);
        ConvPoolPlan plan = plans.get(key);
        if (plan == null) {
            Optional<memory.desc> layout = upstreamLayout(g);
            engine e = Dnnl.cpuEngine().orElseThrow(() -> new IllegalStateException(
                    "oneDNN is not available: " + Dnnl.loadFailure()));
            BlockActivation activation = BlockActivation.of(c.getActivationFn()).orElseThrow(
                    () -> new IllegalStateException("no oneDNN post-op for " + c.getActivationFn()));
            boolean max = c.getPoolingType() == PoolingType.MAX;
            plan = Dnnl.withOpenMpThreads(threads,
                    () -> new ConvPoolPlan(e, threads, g, activation, max, inputGradient, layout, feedsNext));
            plans.put(key, plan);
        }
        lastPlan = plan;
        return plan;
    }

    /** The layout the linked previous block hands this minibatch over in; empty (NCHW) when not linked. */
    private Optional<memory.desc> upstreamLayout(BlockGeometry g) {
        if (previous == null) {
            return Optional.empty();
        }
        ConvPoolPlan upstream = previous.lastPlan;
        if (upstream == null || upstream.geometry().n() != g.n()) {
            throw new IllegalStateException("layer " + getIndex() + ": input not produced by layer "
                    + previous.getIndex() + " for this minibatch");
        }
        return Optional.of(upstream.outputLayout());
    }

    private record PlanKey(BlockGeometry geometry, int threads) {
    }

    private static INDArray rowMajorFloat(INDArray a, LayerWorkspaceMgr mgr, ArrayType type) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        boolean dense = f.ordering() == 'c' && Arrays.equals(f.stride(), Nd4j.getStrides(f.shape(), 'c'));
        return dense ? f : mgr.dup(type, f, 'c');
    }

    /** The native address of a row-major array's first element (views included). */
    private static long address(INDArray a) {
        return a.data().address() + a.offset() * a.data().getElementSize();
    }
}
