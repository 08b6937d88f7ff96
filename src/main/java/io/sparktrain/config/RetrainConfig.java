package io.sparktrain.config;

/**
 * How {@code retrain} decides and keeps ({@code retrain.*}).
 *
 * @param accuracyMargin how far below the champion's holdout accuracy the candidate's may be
 *     ({@code retrain.gate.accuracyMargin})
 * @param lossMargin how far above the champion's holdout loss the candidate's may be ({@code retrain.gate.lossMargin})
 * @param minAccuracy the candidate's holdout accuracy must reach this; 0 = no floor ({@code retrain.gate.minAccuracy})
 * @param replay earlier (the champion's) training examples replayed per new training example, 0 = none
 *     ({@code retrain.replay})
 * @param keep versions kept besides every version that was ever champion ({@code retrain.keep})
 * @param lockLeaseSeconds how long a registry lock is valid without renewal ({@code retrain.lockLeaseSeconds})
 * @param lockWaitSeconds how long to wait for another run's lock ({@code retrain.lockWaitSeconds})
 */
public record RetrainConfig(double accuracyMargin, double lossMargin, double minAccuracy, double replay, int keep,
                            int lockLeaseSeconds, int lockWaitSeconds) {

    /** Validates every field, naming the key at fault. */
    public RetrainConfig {
        if (!(accuracyMargin >= 0 && accuracyMargin <= 1)) {
            throw ConfigException.invalid("retrain.gate.accuracyMargin", "be in [0, 1]", accuracyMargin);
        }
        if (!(lossMargin >= 0) || Double.isInfinite(lossMargin)) {
            throw ConfigException.invalid("retrain.gate.lossMargin", "be a finite number >= 0", lossMargin);
        }
        if (!(minAccuracy >= 0 && minAccuracy <= 1)) {
            throw ConfigException.invalid("retrain.gate.minAccuracy", "be in [0, 1]", minAccuracy);
        }
        if (!(replay >= 0) || Double.isInfinite(replay)) {
            throw ConfigException.invalid("retrain.replay", "be a finite number >= 0", replay);
        }
        if (keep < 1) {
            throw ConfigException.invalid("retrain.keep", "be >= 1", keep);
        }
        if (lockLeaseSeconds < 1) {
            throw ConfigException.invalid("retrain.lockLeaseSeconds", "be >= 1", lockLeaseSeconds);
        }
        if (lockWaitSeconds < 0) {
            throw ConfigException.invalid("retrain.lockWaitSeconds", "be >= 0", lockWaitSeconds);
        }
    }
}
