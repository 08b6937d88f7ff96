package io.sparktrain.nn;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One GRU direction run by a {@link GruPlan}: converts between {@link GruParams}' layout (gate blocks r, z, n;
 * separate input and recurrent biases) and oneDNN's (u = z, r, o = n; one bias per gate plus the candidate's
 * recurrent bias), and keeps what the plan's backward reads from the last training forward.
 */
final class GruDnnl implements GruDirection {
    private final GruPlan plan;
    private INDArray x;
    private INDArray h;
    private INDArray weightsLayer;
    private INDArray weightsIter;
    private INDArray bias;

    GruDnnl(GruPlan plan) {
        this.plan = plan;
    }

    @Override
    public INDArray forward(INDArray x, int steps, int batch, GruWeights weights, boolean training) {
        INDArray in = rowMajorFloat(x);
        INDArray wl = oneDnnGates(weights.w());
        INDArray wi = oneDnnGates(weights.rw());
        INDArray b = oneDnnBias(weights);
        INDArray out = Nd4j.create(DataType.FLOAT, (long) steps * batch, weights.units());
        plan.forward(training, address(in), address(wl), address(wi), address(b), address(out));
        if (training) {
            this.x = in;
            this.h = out;
            this.weightsLayer = wl;
            this.weightsIter = wi;
            this.bias = b;
        }
        return out;
    }

    @Override
    public INDArray backward(INDArray dh, GruWeights gradients) {
        if (x == null) {
            throw new IllegalStateException("GRU backward without a training forward");
        }
        long n = gradients.units();
        INDArray d = rowMajorFloat(dh);
        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray dWl = Nd4j.zeros(DataType.FLOAT, gradients.inputs(), 3 * n);
        INDArray dWi = Nd4j.zeros(DataType.FLOAT, n, 3 * n);
        INDArray dB = Nd4j.zeros(DataType.FLOAT, 4, n);
        plan.backward(address(x), address(weightsLayer), address(weightsIter), address(bias), address(h), address(d),
                address(dx), address(dWl), address(dWi), address(dB));
        gradients.w().assign(ourGates(dWl));
        gradients.rw().assign(ourGates(dWi));
        // oneDNN's bias rows: u (both z biases), r (both r biases), o (b_in), u' (b_hn).
        INDArray b = gradients.b();
        INDArray rb = gradients.rb();
        b.get(all(), interval(0, n)).assign(dB.getRow(1));
        b.get(all(), interval(n, 2 * n)).assign(dB.getRow(0));
        b.get(all(), interval(2 * n, 3 * n)).assign(dB.getRow(2));
        rb.get(all(), interval(0, n)).assign(dB.getRow(1));
        rb.get(all(), interval(n, 2 * n)).assign(dB.getRow(0));
        rb.get(all(), interval(2 * n, 3 * n)).assign(dB.getRow(3));
        return dx;
    }

    /** {@code [rows, 3n]} with gate blocks r, z, n to a new row-major float array with z, r, n. */
    private static INDArray oneDnnGates(INDArray w) {
        long n = w.size(1) / 3;
        return swapFirstTwo(w, n);
    }

    /** The inverse of {@link #oneDnnGates} (swapping the first two blocks is its own inverse). */
    private static INDArray ourGates(INDArray w) {
        return swapFirstTwo(w, w.size(1) / 3);
    }

    private static INDArray swapFirstTwo(INDArray w, long n) {
        INDArray out = Nd4j.create(DataType.FLOAT, w.size(0), 3 * n);
        out.get(all(), interval(0, n)).assign(w.get(all(), interval(n, 2 * n)));
        out.get(all(), interval(n, 2 * n)).assign(w.get(all(), interval(0, n)));
        out.get(all(), interval(2 * n, 3 * n)).assign(w.get(all(), interval(2 * n, 3 * n)));
        return out;
    }

    /** oneDNN's {@code [4, n]} bias: b_z + b_hz, b_r + b_hr, b_in, b_hn. */
    private static INDArray oneDnnBias(GruWeights weights) {
        long n = weights.units();
        INDArray b = weights.b();
        INDArray rb = weights.rb();
        INDArray out = Nd4j.create(DataType.FLOAT, 4, n);
        out.getRow(0).assign(b.get(all(), interval(n, 2 * n)).add(rb.get(all(), interval(n, 2 * n))));
        out.getRow(1).assign(b.get(all(), interval(0, n)).add(rb.get(all(), interval(0, n))));
        out.getRow(2).assign(b.get(all(), interval(2 * n, 3 * n)));
        out.getRow(3).assign(rb.get(all(), interval(2 * n, 3 * n)));
        return out;
    }

    private static INDArray rowMajorFloat(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        boolean dense = f.ordering() == 'c' && Arrays.equals(f.stride(), Nd4j.getStrides(f.shape(), 'c'));
        return dense ? f : f.dup('c');
    }

    /** The native address of a row-major array's first element. */
    private static long address(INDArray a) {
        return a.data().address() + a.offset() * a.data().getElementSize();
    }
}
