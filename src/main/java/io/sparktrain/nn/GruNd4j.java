package io.sparktrain.nn;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The GRU equations of {@link Gru} with ND4J ops, one matrix product per step for the recurrent part and one for
 * all steps' input part; the fallback when oneDNN is not usable, in the arrays' own data type. Forward keeps the
 * gates r, z, n, the recurrent candidate term W_hn h + b_hn and the outputs for backward, which is the chain rule
 * of those equations step by step from the last.
 */
final class GruNd4j implements GruDirection {
    private int steps;
    private int batch;
    private INDArray x;
    private GruWeights weights;
    private INDArray gates;
    private INDArray candidateRecurrent;
    private INDArray h;

    @Override
    public INDArray forward(INDArray x, int steps, int batch, GruWeights weights, boolean training) {
        return forward(x, steps, batch, weights, training, Nd4j.zeros(x.dataType(), batch, weights.units()));
    }

    /**
     * {@link #forward(INDArray, int, int, GruWeights, boolean)} from the state {@code h0} {@code [batch, units]}
     * instead of zeros; only for inference ({@link #backward} assumes h0 = 0).
     */
    INDArray forward(INDArray x, int steps, int batch, GruWeights weights, boolean training, INDArray h0) {
        long n = weights.units();
        this.steps = steps;
        this.batch = batch;
        INDArray gx = x.mmul(weights.w()).addiRowVector(weights.b());
        INDArray out = Nd4j.create(x.dataType(), (long) steps * batch, n);
        INDArray gatesAll = Nd4j.create(x.dataType(), (long) steps * batch, 3 * n);
        INDArray hnAll = Nd4j.create(x.dataType(), (long) steps * batch, n);
        INDArray prev = h0;
        for (int t = 0; t < steps; t++) {
            INDArray rows = gx.get(interval((long) t * batch, (long) (t + 1) * batch), all());
            INDArray gh = prev.mmul(weights.rw()).addiRowVector(weights.rb());
            INDArray rz = Transforms.sigmoid(rows.get(all(), interval(0, 2 * n)).add(gh.get(all(),
                    interval(0, 2 * n))), false);
            INDArray r = rz.get(all(), interval(0, n));
            INDArray z = rz.get(all(), interval(n, 2 * n));
            INDArray hn = gh.get(all(), interval(2 * n, 3 * n));
            INDArray cand = Transforms.tanh(rows.get(all(), interval(2 * n, 3 * n)).add(r.mul(hn)), false);
            // h' = (1 - z) n + z h = n + z (h - n)
            INDArray next = prev.sub(cand).muli(z).addi(cand);
            INDArray stepGates = gatesAll.get(interval((long) t * batch, (long) (t + 1) * batch), all());
            stepGates.get(all(), interval(0, 2 * n)).assign(rz);
            stepGates.get(all(), interval(2 * n, 3 * n)).assign(cand);
            hnAll.get(interval((long) t * batch, (long) (t + 1) * batch), all()).assign(hn);
            out.get(interval((long) t * batch, (long) (t + 1) * batch), all()).assign(next);
            prev = next;
        }
        if (training) {
            this.x = x;
            this.weights = weights;
            this.gates = gatesAll;
            this.candidateRecurrent = hnAll;
            this.h = out;
        }
        return out;
    }

    @Override
    public INDArray backward(INDArray dh, GruWeights gradients) {
        if (x == null) {
            throw new IllegalStateException("GRU backward without a training forward");
        }
        long n = weights.units();
        long rowsAll = (long) steps * batch;
        // Gradients of the pre-activations: dRec for [W_hr h + b_hr, W_hz h + b_hz, W_hn h + b_hn], dIn for the
        // input side, which differs from dRec only in the candidate block (r multiplies the recurrent term).
        INDArray dRec = Nd4j.create(dh.dataType(), rowsAll, 3 * n);
        INDArray dIn = Nd4j.create(dh.dataType(), rowsAll, 3 * n);
        INDArray carry = Nd4j.zeros(dh.dataType(), batch, n);
        for (int t = steps - 1; t >= 0; t--) {
            org.nd4j.linalg.indexing.INDArrayIndex span = interval((long) t * batch, (long) (t + 1) * batch);
            INDArray d = dh.get(span, all()).add(carry);
            INDArray g = gates.get(span, all());
            INDArray r = g.get(all(), interval(0, n));
            INDArray z = g.get(all(), interval(n, 2 * n));
            INDArray cand = g.get(all(), interval(2 * n, 3 * n));
            INDArray hn = candidateRecurrent.get(span, all());
            INDArray prev = t > 0 ? h.get(interval((long) (t - 1) * batch, (long) t * batch), all())
                    : Nd4j.zeros(dh.dataType(), batch, n);
            // dn = d (1 - z); pre-activation of n: dn (1 - n^2)
            INDArray dCand = d.mul(z.rsub(1)).muli(cand.mul(cand).rsubi(1));
            INDArray dz = d.mul(prev.sub(cand)).muli(z.mul(z.rsub(1)));
            INDArray dr = dCand.mul(hn).muli(r.mul(r.rsub(1)));
            INDArray rec = dRec.get(span, all());
            rec.get(all(), interval(0, n)).assign(dr);
            rec.get(all(), interval(n, 2 * n)).assign(dz);
            rec.get(all(), interval(2 * n, 3 * n)).assign(dCand.mul(r));
            INDArray in = dIn.get(span, all());
            in.get(all(), interval(0, 2 * n)).assign(rec.get(all(), interval(0, 2 * n)));
            in.get(all(), interval(2 * n, 3 * n)).assign(dCand);
            carry = d.mul(z).addi(rec.mmul(weights.rw().transpose()));
        }
        // dRW = sum_t h(t-1)^T dRec(t); h(-1) = 0, so step 0 adds nothing.
        if (steps > 1) {
            INDArray prevAll = h.get(interval(0, rowsAll - batch), all());
            gradients.rw().assign(prevAll.transpose().mmul(dRec.get(interval((long) batch, rowsAll), all())));
        } else {
            gradients.rw().assign(0);
        }
        gradients.rb().assign(dRec.sum(0).reshape(1, 3 * n));
        gradients.w().assign(x.transpose().mmul(dIn));
        gradients.b().assign(dIn.sum(0).reshape(1, 3 * n));
        return dIn.mmul(weights.w().transpose());
    }
}
