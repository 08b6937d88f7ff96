package io.sparktrain.data;

import java.io.Serializable;

/**
 * Per-feature standardisation, (x - mean) / std, with mean and std taken over every step of the training
 * sequences. Computed once on the driver and applied to both splits, so that raw sensor-scale values (a control
 * chart around 30, say) do not saturate tanh and sigmoid gates.
 *
 * @param mean per feature
 * @param std per feature (1 where a feature is constant)
 */
public record FeatureScaling(float[] mean, float[] std) implements Serializable {

    /** Leaves values as they are. */
    public static final FeatureScaling NONE = new FeatureScaling(new float[0], new float[0]);

    /** The statistics of {@code set}'s steps. */
    public static FeatureScaling of(SequenceSet set) {
        int f = set.features();
        double[] sum = new double[f];
        double[] sumSq = new double[f];
        float[] v = set.values();
        long steps = set.totalSteps();
        for (int s = 0; s < steps; s++) {
            for (int j = 0; j < f; j++) {
                double x = v[s * f + j];
                sum[j] += x;
                sumSq[j] += x * x;
            }
        }
        float[] mean = new float[f];
        float[] std = new float[f];
        for (int j = 0; j < f; j++) {
            double m = sum[j] / steps;
            double var = Math.max(0, sumSq[j] / steps - m * m);
            mean[j] = (float) m;
            std[j] = var > 1e-12 ? (float) Math.sqrt(var) : 1f;
        }
        return new FeatureScaling(mean, std);
    }

    /** A standardised copy of {@code set}. */
    public SequenceSet apply(SequenceSet set) {
        if (mean.length == 0) {
            return set;
        }
        if (set.features() != mean.length) {
            throw new IllegalArgumentException(set.features() + " features, scaling has " + mean.length);
        }
        float[] v = set.values().clone();
        int f = mean.length;
        for (int i = 0; i < v.length; i++) {
            v[i] = (v[i] - mean[i % f]) / std[i % f];
        }
        return set.withValues(v);
    }
}
