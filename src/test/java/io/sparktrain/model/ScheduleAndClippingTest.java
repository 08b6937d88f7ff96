package io.sparktrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/** Learning-rate schedules as DL4J runs them, and gradient clipping bounding a real DL4J step. */
class ScheduleAndClippingTest {
    private static final NetworkSpec MLP = new NetworkSpec("mlp", Shape.vector(6), List.of(
            new LayerSpec.Dense(5, Activation.TANH, 0), new LayerSpec.Output()), 3);

    private static UpdaterSpec sgd(double lr, ScheduleSpec schedule, UpdaterSpec.Clipping clipping) {
        return new UpdaterSpec(UpdaterSpec.Kind.SGD, lr, 0, 0.5, schedule, clipping, 0, 0).forRun(100, 10);
    }

    /** The learning rate DL4J's updater uses at {@code iteration} (epoch from the iteration, as in training). */
    private static double dl4j(UpdaterSpec spec, int iteration) {
        IUpdater u = spec.toUpdater();
        return u.getLearningRate(iteration, iteration / 100);
    }

    @Test
    void eachScheduleGivesItsShapeThroughDl4jsOwnScheduleClasses() {
        ScheduleSpec cosine = new ScheduleSpec(ScheduleSpec.Kind.COSINE, 1, 0.001, 0);
        assertEquals(0.1, dl4j(sgd(0.1, cosine, UpdaterSpec.Clipping.NONE), 0), 1e-12);
        assertEquals(0.0505, dl4j(sgd(0.1, cosine, UpdaterSpec.Clipping.NONE), 500), 1e-12, "half-way: the mean");
        assertEquals(0.001, dl4j(sgd(0.1, cosine, UpdaterSpec.Clipping.NONE), 1000), 1e-12);

        ScheduleSpec oneCycle = new ScheduleSpec(ScheduleSpec.Kind.ONECYCLE, 1, 0, 0);
        assertEquals(0.004, dl4j(sgd(0.1, oneCycle, UpdaterSpec.Clipping.NONE), 0), 1e-12, "lr / 25");
        assertEquals(0.1, dl4j(sgd(0.1, oneCycle, UpdaterSpec.Clipping.NONE), 300), 1e-12, "peak at 30%");
        assertEquals(0.004 / 1e4, dl4j(sgd(0.1, oneCycle, UpdaterSpec.Clipping.NONE), 1000), 1e-12);

        ScheduleSpec step = new ScheduleSpec(ScheduleSpec.Kind.STEP, 3, 0, 0);
        assertEquals(0.1, dl4j(sgd(0.1, step, UpdaterSpec.Clipping.NONE), 299), 1e-12);
        assertEquals(0.05, dl4j(sgd(0.1, step, UpdaterSpec.Clipping.NONE), 300), 1e-12);
        assertEquals(0.025, dl4j(sgd(0.1, step, UpdaterSpec.Clipping.NONE), 650), 1e-12);

        ScheduleSpec warm = new ScheduleSpec(ScheduleSpec.Kind.EXPONENTIAL, 1, 0, 2);
        assertEquals(0.1 / 200, dl4j(sgd(0.1, warm, UpdaterSpec.Clipping.NONE), 0), 1e-12, "first warm-up step");
        assertEquals(0.1 * 100 / 200, dl4j(sgd(0.1, warm, UpdaterSpec.Clipping.NONE), 99), 1e-12);
        assertEquals(0.1 * 0.25, dl4j(sgd(0.1, warm, UpdaterSpec.Clipping.NONE), 200), 1e-12, "then per epoch");
    }

    @Test
    void aWarmStartsScheduleStartsAtTheIterationCountItCarries() {
        // A retraining cycle warm-started from a champion that took 1,000 steps: its one-cycle and cosine shapes
        // run over its own 1,000 steps (100 x 10 epochs), not past their end from the first step.
        ScheduleSpec oneCycle = new ScheduleSpec(ScheduleSpec.Kind.ONECYCLE, 1, 0, 0);
        UpdaterSpec warm = sgd(0.1, oneCycle, UpdaterSpec.Clipping.NONE).startingAt(1000);
        IUpdater u = warm.toUpdater();
        assertEquals(0.004, u.getLearningRate(1000, 0), 1e-12, "lr / 25 at the first step");
        assertEquals(0.1, u.getLearningRate(1300, 3), 1e-12, "peak 30% into this run");
        assertEquals(0.004 / 1e4, u.getLearningRate(2000, 10), 1e-12);
        assertEquals(0.1, warm.learningRateAt(1300), 1e-12);
        ScheduleSpec cosine = new ScheduleSpec(ScheduleSpec.Kind.COSINE, 1, 0.001, 0);
        IUpdater c = sgd(0.1, cosine, UpdaterSpec.Clipping.NONE).startingAt(1000).toUpdater();
        assertEquals(0.1, c.getLearningRate(1000, 0), 1e-12);
        assertEquals(0.0505, c.getLearningRate(1500, 5), 1e-12);
        // Epoch schedules follow the epoch count, which a warm start restarts at 0: unchanged.
        IUpdater step = sgd(0.1, new ScheduleSpec(ScheduleSpec.Kind.STEP, 3, 0, 0), UpdaterSpec.Clipping.NONE)
                .startingAt(1000).toUpdater();
        assertEquals(0.1, step.getLearningRate(1000, 0), 1e-12);
        assertEquals(0.05, step.getLearningRate(1300, 3), 1e-12);
    }

    @Test
    void aScheduledNetworkSurvivesDl4jsJsonWithoutProjectClasses() {
        MultiLayerConfiguration conf = NetworkFactory.configuration(MLP,
                sgd(0.1, new ScheduleSpec(ScheduleSpec.Kind.COSINE, 1, 0, 0.5), UpdaterSpec.Clipping.NONE), 1);
        String json = conf.toJson();
        assertTrue(!json.contains("io.sparktrain"), "only DL4J's classes in the saved configuration");
        assertEquals(conf, MultiLayerConfiguration.fromJson(json));
    }

    @Test
    void clippingBoundsOneSgdStep() {
        DataSet batch = new DataSet(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 6).muli(50),
                Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2, 0, 1).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        ScheduleSpec constant = ScheduleSpec.EXPONENTIAL;
        double free = largestStep(sgd(1.0, constant, UpdaterSpec.Clipping.NONE), batch);
        assertTrue(free > 0.05, "the unclipped step is large: " + free);
        double byValue = largestStep(sgd(1.0, constant,
                new UpdaterSpec.Clipping(UpdaterSpec.ClipKind.VALUE, 0.01)), batch);
        assertTrue(byValue <= 0.01 + 1e-6, "each element within 0.01: " + byValue);
        MultiLayerNetwork net = net(sgd(1.0, constant, new UpdaterSpec.Clipping(UpdaterSpec.ClipKind.NORM, 0.05)));
        INDArray before = net.params().dup();
        net.fit(batch);
        INDArray step = net.params().sub(before).reshape(-1);
        // Per layer (weights and biases together) the step's L2 norm is at most the threshold.
        long w1 = 6 * 5 + 5;
        assertTrue(step.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, w1)).norm2Number().doubleValue()
                <= 0.05 + 1e-6);
        assertTrue(step.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(w1, step.length())).norm2Number()
                .doubleValue() <= 0.05 + 1e-6);
    }

    private static MultiLayerNetwork net(UpdaterSpec updater) {
        return NetworkFactory.network(MLP, updater, 7);
    }

    private static double largestStep(UpdaterSpec updater, DataSet batch) {
        MultiLayerNetwork net = net(updater);
        INDArray before = net.params().dup();
        net.fit(batch);
        return net.params().sub(before).amaxNumber().doubleValue();
    }
}
