package io.sparktrain.config;

/**
 * When a run counts as diverged and stops (exit 4) instead of writing a useless model
 * ({@code training.divergence.*}). A non-finite loss or parameter always stops it; these catch the runs whose loss
 * stays finite (DL4J clips probabilities, so a blown-up network reports a large finite loss).
 *
 * @param lossFactor stop when a round's training loss exceeds this multiple of ln(classes), the loss of a uniform
 *     guess that an untrained network starts near; 0 = off ({@code training.divergence.lossFactor})
 * @param maxParameter stop when any averaged parameter's magnitude exceeds this; 0 = off
 *     ({@code training.divergence.maxParameter})
 * @param risingRounds stop when the loss rose in each of this many consecutive rounds and is above ln(classes)
 *     (worse than guessing); 0 = off ({@code training.divergence.risingRounds})
 */
public record DivergenceConfig(double lossFactor, double maxParameter, int risingRounds) {

    /** Validates every field, naming the key at fault. */
    public DivergenceConfig {
        if (!(lossFactor == 0 || lossFactor > 1) || Double.isInfinite(lossFactor)) {
            throw ConfigException.invalid("training.divergence.lossFactor", "be 0 (off) or a finite number > 1",
                    lossFactor);
        }
        if (!(maxParameter >= 0) || Double.isInfinite(maxParameter)) {
            throw ConfigException.invalid("training.divergence.maxParameter", "be 0 (off) or a finite number > 0",
                    maxParameter);
        }
        if (risingRounds < 0 || risingRounds == 1) {
            throw ConfigException.invalid("training.divergence.risingRounds", "be 0 (off) or >= 2", risingRounds);
        }
    }

    /** The defaults of {@code sparktrain-reference.conf}. */
    public static final DivergenceConfig DEFAULT = new DivergenceConfig(5, 1e4, 20);
}
