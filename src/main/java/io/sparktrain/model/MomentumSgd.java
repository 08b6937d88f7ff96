package io.sparktrain.model;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * SGD with classical (heavy-ball) momentum, as PyTorch's {@code SGD(momentum=m)}: {@code v = m * v + g},
 * {@code w -= lr * v}. DL4J ships only Nesterov momentum; this fills the gap. A bean (no-argument constructor,
 * getters and setters) so that DL4J's JSON configuration round-trips it.
 */
public final class MomentumSgd implements IUpdater {
    private static final long serialVersionUID = 1L;

    private double learningRate;
    private double momentum;
    private ISchedule learningRateSchedule;

    /** For JSON deserialisation. */
    public MomentumSgd() {
        this(0.01, 0.9);
    }

    /** @param learningRate step size; @param momentum momentum coefficient in [0, 1) */
    public MomentumSgd(double learningRate, double momentum) {
        this(learningRate, momentum, null);
    }

    /** As above, the step size following {@code learningRateSchedule} when it is not null. */
    public MomentumSgd(double learningRate, double momentum, ISchedule learningRateSchedule) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.learningRateSchedule = learningRateSchedule;
    }

    public double getLearningRate() {
        return learningRate;
    }

    public void setLearningRate(double learningRate) {
        this.learningRate = learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    public void setLearningRateSchedule(ISchedule learningRateSchedule) {
        this.learningRateSchedule = learningRateSchedule;
    }

    public double getMomentum() {
        return momentum;
    }

    public void setMomentum(double momentum) {
        this.momentum = momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(state, initializeStateArrays);
        return u;
    }

    @Override
    public MomentumSgd clone() {
        return new MomentumSgd(learningRate, momentum,
                learningRateSchedule == null ? null : learningRateSchedule.clone());
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule == null ? learningRate : learningRateSchedule.valueAt(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentumSgd m && m.learningRate == learningRate && m.momentum == momentum
                && Objects.equals(m.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, momentum, learningRateSchedule);
    }

    /** The per-parameter-block state: the velocity {@code v}. */
    private static final class Updater implements GradientUpdater<MomentumSgd> {
        private static final String V = "V";
        private final MomentumSgd config;
        private INDArray v;

        Updater(MomentumSgd config) {
            this.config = config;
        }

        @Override
        public MomentumSgd getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            v = state.get(V);
            if (initialize) {
                v.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of(V, v);
        }

        @Override
        public void setStateViewArray(INDArray view, long[] gradientShape, char order, boolean initialize) {
            if (initialize) {
                view.assign(0);
            }
            v = view.reshape(order, gradientShape);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            // DL4J subtracts what this leaves in `gradient` from the parameters.
            v.muli(config.momentum).addi(gradient);
            gradient.assign(v).muli(config.getLearningRate(iteration, epoch));
        }
    }
}
