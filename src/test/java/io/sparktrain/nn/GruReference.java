package io.sparktrain.nn;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's GRU equations and their derivatives written out with loops over doubles, one sequence at a time and
 * without padding: what {@link GruLayer} must equal. Forward, for x and the previous output h (h0 = 0):
 * r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.
 */
final class GruReference {

    /** One direction's parameters (or gradients): w[nIn][3n], rw[n][3n], b[3n], rb[3n], gates r, z, n. */
    record Dir(double[][] w, double[][] rw, double[] b, double[] rb) {
        static Dir zeros(int nIn, int n) {
            return new Dir(new double[nIn][3 * n], new double[n][3 * n], new double[3 * n], new double[3 * n]);
        }

        static Dir of(Layer layer, String prefix) {
            return new Dir(layer.getParam(prefix + "W").toDoubleMatrix(), layer.getParam(prefix + "RW")
                    .toDoubleMatrix(), layer.getParam(prefix + "b").toDoubleVector(), layer.getParam(prefix + "rb")
                    .toDoubleVector());
        }

        int units() {
            return rw.length;
        }
    }

    /** What one direction's forward over one sequence keeps for its backward. */
    static final class Run {
        double[][] x;
        double[][] h;
        double[][] r;
        double[][] z;
        double[][] n;
        double[][] hn;
    }

    private GruReference() {
    }

    static Run forward(Dir p, double[][] x) {
        int steps = x.length;
        int n = p.units();
        Run run = new Run();
        run.x = x;
        run.h = new double[steps][n];
        run.r = new double[steps][n];
        run.z = new double[steps][n];
        run.n = new double[steps][n];
        run.hn = new double[steps][n];
        double[] prev = new double[n];
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < n; j++) {
                double ar = p.b[j] + p.rb[j];
                double az = p.b[n + j] + p.rb[n + j];
                double ain = p.b[2 * n + j];
                double ahn = p.rb[2 * n + j];
                for (int i = 0; i < x[t].length; i++) {
                    ar += p.w[i][j] * x[t][i];
                    az += p.w[i][n + j] * x[t][i];
                    ain += p.w[i][2 * n + j] * x[t][i];
                }
                for (int k = 0; k < n; k++) {
                    ar += p.rw[k][j] * prev[k];
                    az += p.rw[k][n + j] * prev[k];
                    ahn += p.rw[k][2 * n + j] * prev[k];
                }
                double r = sigmoid(ar);
                double z = sigmoid(az);
                double cand = Math.tanh(ain + r * ahn);
                run.r[t][j] = r;
                run.z[t][j] = z;
                run.n[t][j] = cand;
                run.hn[t][j] = ahn;
                run.h[t][j] = (1 - z) * cand + z * prev[j];
            }
            prev = run.h[t];
        }
        return run;
    }

    /** Adds this sequence's parameter gradients to {@code g}; returns the input gradient. */
    static double[][] backward(Dir p, Run run, double[][] dh, Dir g) {
        int steps = run.x.length;
        int n = p.units();
        int nIn = p.w.length;
        double[][] dx = new double[steps][nIn];
        double[] carry = new double[n];
        for (int t = steps - 1; t >= 0; t--) {
            double[] prev = t > 0 ? run.h[t - 1] : new double[n];
            double[] dr = new double[n];
            double[] dz = new double[n];
            double[] dIn = new double[n];
            double[] dHn = new double[n];
            double[] nextCarry = new double[n];
            for (int j = 0; j < n; j++) {
                double d = dh[t][j] + carry[j];
                double r = run.r[t][j];
                double z = run.z[t][j];
                double cand = run.n[t][j];
                double dCand = d * (1 - z) * (1 - cand * cand);
                dz[j] = d * (prev[j] - cand) * z * (1 - z);
                dr[j] = dCand * run.hn[t][j] * r * (1 - r);
                dIn[j] = dCand;
                dHn[j] = dCand * r;
                nextCarry[j] = d * z;
            }
            for (int j = 0; j < n; j++) {
                g.b[j] += dr[j];
                g.b[n + j] += dz[j];
                g.b[2 * n + j] += dIn[j];
                g.rb[j] += dr[j];
                g.rb[n + j] += dz[j];
                g.rb[2 * n + j] += dHn[j];
                for (int i = 0; i < nIn; i++) {
                    g.w[i][j] += run.x[t][i] * dr[j];
                    g.w[i][n + j] += run.x[t][i] * dz[j];
                    g.w[i][2 * n + j] += run.x[t][i] * dIn[j];
                    dx[t][i] += p.w[i][j] * dr[j] + p.w[i][n + j] * dz[j] + p.w[i][2 * n + j] * dIn[j];
                }
                for (int k = 0; k < n; k++) {
                    g.rw[k][j] += prev[k] * dr[j];
                    g.rw[k][n + j] += prev[k] * dz[j];
                    g.rw[k][2 * n + j] += prev[k] * dHn[j];
                    nextCarry[k] += p.rw[k][j] * dr[j] + p.rw[k][n + j] * dz[j] + p.rw[k][2 * n + j] * dHn[j];
                }
            }
            carry = nextCarry;
        }
        return dx;
    }

    /**
     * A whole layer over one sequence: one direction, or two with the second reading the reversed sequence,
     * merged by concatenation or addition.
     */
    static final class LayerRun {
        final Gru.Directions directions;
        final List<Dir> params;
        final Run[] runs;

        LayerRun(Gru.Directions directions, List<Dir> params, double[][] x) {
            this.directions = directions;
            this.params = params;
            this.runs = new Run[params.size()];
            runs[0] = forward(params.get(0), x);
            if (params.size() > 1) {
                runs[1] = forward(params.get(1), reverse(x));
            }
        }

        double[][] output() {
            if (runs.length == 1) {
                return runs[0].h;
            }
            double[][] back = reverse(runs[1].h);
            int steps = back.length;
            int n = params.get(0).units();
            double[][] out = new double[steps][directions == Gru.Directions.CONCAT ? 2 * n : n];
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < n; j++) {
                    if (directions == Gru.Directions.CONCAT) {
                        out[t][j] = runs[0].h[t][j];
                        out[t][n + j] = back[t][j];
                    } else {
                        out[t][j] = runs[0].h[t][j] + back[t][j];
                    }
                }
            }
            return out;
        }

        /** Adds the parameter gradients to {@code grads} (one per direction); returns the input gradient. */
        double[][] backward(double[][] dOut, List<Dir> grads) {
            int n = params.get(0).units();
            int steps = dOut.length;
            double[][] dFwd = new double[steps][n];
            double[][] dBwd = new double[steps][n];
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < n; j++) {
                    dFwd[t][j] = dOut[t][j];
                    dBwd[t][j] = directions == Gru.Directions.CONCAT ? dOut[t][n + j] : dOut[t][j];
                }
            }
            double[][] dx = GruReference.backward(params.get(0), runs[0], dFwd, grads.get(0));
            if (runs.length > 1) {
                double[][] back = reverse(GruReference.backward(params.get(1), runs[1], reverse(dBwd),
                        grads.get(1)));
                for (int t = 0; t < steps; t++) {
                    for (int i = 0; i < dx[t].length; i++) {
                        dx[t][i] += back[t][i];
                    }
                }
            }
            return dx;
        }
    }

    static double[][] reverse(double[][] a) {
        double[][] r = new double[a.length][];
        for (int t = 0; t < a.length; t++) {
            r[t] = a[a.length - 1 - t];
        }
        return r;
    }

    /** Example {@code b}'s first {@code length} steps of a {@code [batch, features, time]} array, as [t][f]. */
    static double[][] sequence(INDArray a, int b, int length) {
        double[][] s = new double[length][(int) a.size(1)];
        for (int t = 0; t < length; t++) {
            for (int f = 0; f < s[t].length; f++) {
                s[t][f] = a.getDouble(b, f, t);
            }
        }
        return s;
    }

    private static double sigmoid(double a) {
        return 1 / (1 + Math.exp(-a));
    }
}
