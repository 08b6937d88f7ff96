package io.sparktrain.nn;

import java.util.Optional;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * A DL4J activation as oneDNN runs it: forward as a post-op of the convolution, backward from the activation's
 * output ({@code *_use_dst_for_bwd}), so the pre-activation never has to be stored. Empty algorithms: identity.
 *
 * @param alpha the negative slope of (leaky) ReLU, 0 otherwise
 */
record BlockActivation(Optional<algorithm> forward, Optional<algorithm> backward, float alpha) {

    private static final BlockActivation IDENTITY = new BlockActivation(Optional.empty(), Optional.empty(), 0f);

    /** The block activation for {@code a}, or empty when oneDNN cannot run it as a post-op. */
    static Optional<BlockActivation> of(IActivation a) {
        if (a instanceof ActivationLReLU l) {
            return Optional.of(relu((float) l.getAlpha()));
        }
        if (a instanceof ActivationReLU r) {
            // Only the plain ReLU: a cap, a threshold or a slope below it are DL4J-only options.
            boolean plain = r.getMax() == null && (r.getThreshold() == null || r.getThreshold() == 0)
                    && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0);
            return plain ? Optional.of(relu(0f)) : Optional.empty();
        }
        if (a instanceof ActivationTanH) {
            return Optional.of(of(algorithm.eltwise_tanh, algorithm.eltwise_tanh_use_dst_for_bwd));
        }
        if (a instanceof ActivationSigmoid) {
            return Optional.of(of(algorithm.eltwise_logistic, algorithm.eltwise_logistic_use_dst_for_bwd));
        }
        if (a instanceof ActivationIdentity) {
            return Optional.of(IDENTITY);
        }
        return Optional.empty();
    }

    private static BlockActivation relu(float slope) {
        return new BlockActivation(Optional.of(algorithm.eltwise_relu),
                Optional.of(algorithm.eltwise_relu_use_dst_for_bwd), slope);
    }

    private static BlockActivation of(algorithm forward, algorithm backward) {
        return new BlockActivation(Optional.of(forward), Optional.of(backward), 0f);
    }
}
