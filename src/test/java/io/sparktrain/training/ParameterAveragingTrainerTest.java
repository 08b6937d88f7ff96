package io.sparktrain.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.config.TrainingConfig;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.ShardPlan;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The defining properties of parameter averaging, checked against plain single-process DL4J on real Spark. */
class ParameterAveragingTrainerTest {
    private static final int CLASSES = 4;
    private static final NetworkSpec SPEC = new NetworkSpec("test-cnn", Shape.map(1, 8, 8), List.of(
            new LayerSpec.Conv(4, 3, 3, 1, 1, Padding.of(1, 1), 1, 1, Activation.RELU, 0),
            new LayerSpec.Pool(true, 2, 2, 2, 2, Padding.VALID),
            new LayerSpec.Dense(12, Activation.TANH, 0),
            new LayerSpec.Output()), CLASSES);
    private static final ExampleSet TEST = TestData.images(30, CLASSES, 8, 99);

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContext.local2();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static TrainingConfig config(int epochs, int workers, int batch, int frequency, UpdaterSpec updater) {
        return new TrainingConfig(epochs, workers, batch, frequency, updater, 3, 7);
    }

    private static TrainingResult train(ExampleSet train, TrainingConfig config) {
        return new ParameterAveragingTrainer(sc, SPEC, config)
                .train(new TestData.InMemory(train, TEST), train.size(), TEST.size());
    }

    /** Fits shard {@code s}'s minibatches {@code [first, last)} of {@code epoch} in one process; returns the loss sum. */
    private static LossSum fitShard(MultiLayerNetwork net, ExampleSet train, ShardPlan plan, int s, int epoch,
                                    int first, int last) {
        ExampleSet shard = train.subset(plan.shardIndices(s));
        int[] order = plan.epochOrder(s, epoch);
        LossSum loss = LossSum.ZERO;
        for (int b = first; b < last; b++) {
            int from = b * plan.batchSize();
            int to = Math.min(from + plan.batchSize(), shard.size());
            net.fit(shard.minibatch(order, from, to));
            loss = loss.merge(LossSum.ofMean(net.score(), to - from));
        }
        return loss;
    }

    @Test
    void oneWorkerGivesTheParametersOfSingleProcessTrainingOnTheSameMinibatches() {
        ExampleSet train = TestData.images(50, CLASSES, 8, 1); // 7 minibatches of 8, the last of 2
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);
        TrainingConfig config = config(2, 1, 8, 3, adam);
        TrainingResult distributed = train(train, config);

        MultiLayerNetwork single = NetworkFactory.network(SPEC, adam, config.seed());
        float[] initial = single.params().toFloatVector();
        ShardPlan plan = new ShardPlan(50, 1, 8, config.seed());
        for (int epoch = 0; epoch < 2; epoch++) {
            fitShard(single, train, plan, 0, epoch, 0, plan.batchesPerEpoch(0));
        }
        float[] expected = single.params().toFloatVector();
        assertFalse(Arrays.equals(initial, expected), "training must move the parameters");
        assertArrayEquals(expected, distributed.network().params().toFloatVector(), 1e-6f);
        assertArrayEquals(single.getUpdater().getStateViewArray().toFloatVector(),
                distributed.network().getUpdater().getStateViewArray().toFloatVector(), 1e-6f);
        assertEquals(2 * 3, distributed.rounds().size()); // ceil(7 / 3) rounds per epoch
        assertEquals(2 * 7, distributed.network().getLayerWiseConfigurations().getIterationCount());
        assertEquals(2, distributed.network().getLayerWiseConfigurations().getEpochCount());
        assertEquals(100, distributed.trainExamples());
    }

    @Test
    void oneSgdRoundEqualsOneSgdStepOnTheUnionOfTheWorkersMinibatches() {
        ExampleSet train = TestData.images(11, CLASSES, 8, 2); // shards of 4, 4 and 3: one minibatch each
        UpdaterSpec sgd = new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.5, 0);
        TrainingResult distributed = train(train, config(1, 3, 4, 1, sgd));
        assertEquals(1, distributed.rounds().size());
        assertEquals(3, distributed.rounds().get(0).workers().size());

        MultiLayerNetwork single = NetworkFactory.network(SPEC, sgd, 3);
        float[] initial = single.params().toFloatVector();
        single.fit(train.toDataSet()); // the union of the three minibatches, as one minibatch
        float[] expected = single.params().toFloatVector();
        assertFalse(Arrays.equals(initial, expected));
        assertArrayEquals(expected, distributed.network().params().toFloatVector(), 1e-5f);
    }

    @Test
    void roundLossIsTheExampleWeightedMeanOfTheWorkersMinibatchLosses() {
        ExampleSet train = TestData.images(9, CLASSES, 8, 3); // shards of 5 and 4; minibatches 4+1 and 4
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);
        TrainingResult distributed = train(train, config(1, 2, 4, 2, adam));
        RoundRecord round = distributed.rounds().get(0);

        ShardPlan plan = new ShardPlan(9, 2, 4, 3);
        LossSum w0 = fitShard(NetworkFactory.network(SPEC, adam, 3), train, plan, 0, 0, 0, 2);
        LossSum w1 = fitShard(NetworkFactory.network(SPEC, adam, 3), train, plan, 1, 0, 0, 1);
        double weighted = w0.merge(w1).mean();
        double meanOfMeans = (w0.mean() + w1.mean()) / 2;
        assertTrue(Math.abs(weighted - meanOfMeans) > 1e-4, "the data must tell the two means apart");

        assertEquals(9, round.examples());
        assertEquals(weighted, round.trainLoss(), 1e-6);
        assertEquals(w0.mean(), round.workers().get(0).loss(), 1e-6);
        assertEquals(5, round.workers().get(0).examples());
        assertEquals(w1.mean(), round.workers().get(1).loss(), 1e-6);
        assertEquals(4, round.workers().get(1).examples());
        assertEquals(weighted, distributed.epochs().get(0).trainLoss(), 1e-6);
    }

    @Test
    void sameSeedGivesTheSameMetrics() {
        ExampleSet train = TestData.images(64, CLASSES, 8, 4);
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);
        TrainingResult a = train(train, config(2, 2, 8, 2, adam));
        TrainingResult b = train(train, config(2, 2, 8, 2, adam));
        assertEquals(a.rounds().stream().map(RoundRecord::trainLoss).toList(),
                b.rounds().stream().map(RoundRecord::trainLoss).toList());
        assertEquals(a.test(), b.test());
        assertArrayEquals(a.network().params().toFloatVector(), b.network().params().toFloatVector());
    }

    @Test
    void testEvaluationMatchesSingleProcessScoringOfTheFinalNetwork() {
        ExampleSet train = TestData.images(200, CLASSES, 8, 5);
        TrainingResult r = train(train, config(3, 2, 10, 2, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.02, 0)));
        MultiLayerNetwork net = r.network();
        assertEquals(net.score(TEST.toDataSet()), r.test().meanLoss(), 1e-5);
        float[] p = net.output(TEST.toDataSet().getFeatures()).ravel().toFloatVector();
        long correct = 0;
        for (int i = 0; i < TEST.size(); i++) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                best = p[i * CLASSES + c] > p[i * CLASSES + best] ? c : best;
            }
            correct += best == TEST.label(i) ? 1 : 0;
        }
        assertEquals((double) correct / TEST.size(), r.test().accuracy());
        assertEquals(30, r.test().examples());
        assertTrue(r.test().accuracy() > 0.5, "the synthetic classes are learnable: " + r.test().accuracy());
    }

    @Test
    void momentumSgdAndNesterovsTrainThroughTheConfigurationRoundTrip() {
        ExampleSet train = TestData.images(40, CLASSES, 8, 6);
        for (UpdaterSpec.Kind kind : List.of(UpdaterSpec.Kind.SGD, UpdaterSpec.Kind.NESTEROVS)) {
            UpdaterSpec updater = new UpdaterSpec(kind, 0.05, 0.9);
            TrainingResult r = train(train, config(1, 1, 8, 5, updater));
            MultiLayerNetwork single = NetworkFactory.network(SPEC, updater, 3);
            ShardPlan plan = new ShardPlan(40, 1, 8, 3);
            fitShard(single, train, plan, 0, 0, 0, plan.batchesPerEpoch(0));
            assertArrayEquals(single.params().toFloatVector(), r.network().params().toFloatVector(), 1e-6f,
                    kind.name());
        }
    }

    @Test
    void learningRateDecayAppliesPerEpochOnTheWorkers() {
        ExampleSet train = TestData.images(8, CLASSES, 8, 8); // one minibatch per epoch
        UpdaterSpec decaying = new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.4, 0, 0.25);
        TrainingResult r = train(train, config(2, 1, 8, 1, decaying));

        MultiLayerNetwork single = NetworkFactory.network(SPEC, new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.4, 0), 3);
        single.fit(train.toDataSet());
        single.setLearningRate(0.4 * 0.25);
        single.fit(train.toDataSet());
        assertArrayEquals(single.params().toFloatVector(), r.network().params().toFloatVector(), 1e-5f);
    }

    @Test
    void kryoSerializationWithTheRegistratorGivesTheSameResultAsJava() {
        ExampleSet train = TestData.images(48, CLASSES, 8, 9);
        TrainingConfig config = config(1, 2, 8, 2, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0));
        TrainingResult java = train(train, config);
        TrainingResult kryo;
        sc.close();
        try {
            sc = new JavaSparkContext(SparkTestContext.conf("local[2]")
                    .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                    .set("spark.kryo.registrator", KryoRegistrator.class.getName())
                    .set("spark.kryo.registrationRequired", "false"));
            kryo = train(train, config);
        } finally {
            sc.close();
            sc = SparkTestContext.local2();
        }
        assertEquals(java.test(), kryo.test());
        assertArrayEquals(java.network().params().toFloatVector(), kryo.network().params().toFloatVector());
    }

    @Test
    void everyRoundRecordsWhichExecutorRanEachShard() {
        ExampleSet train = TestData.images(40, CLASSES, 8, 7);
        TrainingResult r = train(train, config(1, 2, 4, 2, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0)));
        for (RoundRecord round : r.rounds()) {
            Set<Integer> shards = round.workers().stream().map(RoundRecord.Worker::shard).collect(Collectors.toSet());
            assertEquals(Set.of(0, 1), shards);
            round.workers().forEach(w -> assertFalse(w.executorId().isEmpty()));
        }
    }
}
