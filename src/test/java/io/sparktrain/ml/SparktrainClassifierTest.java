package io.sparktrain.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.RealMnist;
import io.sparktrain.SparkTestContext;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.Split;
import io.sparktrain.pipeline.JobData;
import io.sparktrain.pipeline.RunReport;
import io.sparktrain.pipeline.SavedModel;
import io.sparktrain.pipeline.TrainingJob;
import io.sparktrain.training.Scoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML estimator on real MNIST: a {@code Pipeline} (VectorAssembler, then the classifier) fitted on a
 * DataFrame trains exactly the network that a training job on a Parquet copy of the same rows trains (same
 * parameters, same test accuracy), well above chance; the fitted {@code PipelineModel} saves, loads and predicts the
 * same; bad schemas and parameters fail before any training with one line naming the column or parameter.
 */
class SparktrainClassifierTest {
    private static final int TRAIN = 3000;
    private static final int TEST = 1000;

    @TempDir
    static Path tmp;
    private static SparkSession spark;
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    @BeforeAll
    static void mnistDataFrames() {
        spark = SparkSession.builder().config(SparkTestContext.conf("local[2]")).getOrCreate();
        Configuration hadoop = new Configuration();
        train = frame(MnistData.load(RealMnist.dir(), Split.TRAIN, TRAIN, hadoop));
        test = frame(MnistData.load(RealMnist.dir(), Split.TEST, TEST, hadoop));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Rows {@code (pixels: vector, pixelArray: array<float>, label: int)}, in the set's order. */
    private static Dataset<Row> frame(ExampleSet set) {
        float[] pixels = set.toDataSet().getFeatures().ravel().toFloatVector();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            float[] x = Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784);
            double[] v = new double[784];
            List<Float> array = new ArrayList<>(784);
            for (int k = 0; k < 784; k++) {
                v[k] = x[k];
                array.add(x[k]);
            }
            rows.add(RowFactory.create(Vectors.dense(v), array, set.label(i)));
        }
        StructType schema = new StructType().add("pixels", SQLDataTypes.VectorType(), false)
                .add("pixelArray", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        return spark.createDataFrame(rows, schema);
    }

    /** conf/mnist-cnn.conf's training settings, one epoch. */
    private static SparktrainClassifier classifier() {
        return new SparktrainClassifier().setShape(1, 28, 28).setModel("two-block-cnn").setEpochs(1).setWorkers(2)
                .setBatchSizePerWorker(32).setAveragingFrequency(10).setUpdater("adam").setLearningRate(0.006)
                .setTraining("schedule.kind = onecycle").setSeed(42);
    }

    @Test
    void pipelineTrainsTheJobsNetworkAndSavesAndLoads() throws Exception {
        // The job: conf/mnist-cnn-parquet.conf on a Parquet copy of the same rows (one file per split, in order).
        Path parquet = tmp.resolve("parquet");
        train.select("pixels", "label").coalesce(1).write().parquet(parquet.resolve("train").toString());
        test.select("pixels", "label").coalesce(1).write().parquet(parquet.resolve("test").toString());
        JobConfig job = JobConfigLoader.load("conf/mnist-cnn-parquet.conf", List.of("data.parquet.path=" + parquet,
                "data.parquet.features=pixels", "training.epochs=1"), new Configuration());
        RunReport cli = TrainingJob.run(job, tmp.resolve("cli-run").toString(),
                JavaSparkContext.fromSparkContext(spark.sparkContext()));

        VectorAssembler assembler = new VectorAssembler().setInputCols(new String[] {"pixels"})
                .setOutputCol("features");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {assembler, classifier()}).fit(train);
        SparktrainClassificationModel model = (SparktrainClassificationModel) fitted.stages()[1];
        assertArrayEquals(cli.result().network().params().toFloatVector(), model.network().params().toFloatVector(),
                "the same rows, model, settings and seed train the same parameters");
        assertEquals(1, model.epochs().size());
        assertEquals(cli.result().epochs().get(0).trainLoss(), model.epochs().get(0).trainLoss());

        Dataset<Row> scored = fitted.transform(test).cache();
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
        assertEquals(cli.result().test().accuracy(), accuracy, "accuracy of the job's own test evaluation");
        assertTrue(accuracy > 0.8, "well above chance (0.1): " + accuracy);
        assertEquals(TEST, scored.count());
        Row first = scored.select("prediction", "probability", "rawPrediction").first();
        Vector probability = first.getAs(1);
        Vector raw = first.getAs(2);
        assertEquals(10, probability.size());
        assertEquals(1.0, Arrays.stream(probability.toArray()).sum(), 1e-9);
        assertEquals(raw.argmax(), (int) first.getDouble(0), "prediction = argmax of the logits");
        assertEquals(probability.argmax(), raw.argmax());

        String saved = tmp.resolve("pipeline").toString();
        fitted.write().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        Dataset<Row> again = loaded.transform(test);
        assertEquals(column(scored, "prediction"), column(again, "prediction"));
        assertEquals(column(scored, "probability"), column(again, "probability"));
        SparktrainClassificationModel loadedModel = (SparktrainClassificationModel) loaded.stages()[1];
        assertEquals(model.uid(), loadedModel.uid());
        assertArrayEquals(model.getOrDefault(model.shape()), loadedModel.getOrDefault(loadedModel.shape()));

        // The network inside is a run folder the command line reads like any other.
        Path network;
        try (var stages = Files.list(Path.of(saved, "stages"))) {
            network = stages.filter(p -> p.getFileName().toString().startsWith("1_")).findFirst().orElseThrow()
                    .resolve(SparktrainClassificationModel.NETWORK);
        }
        SavedModel run = SavedModel.load(network.toString(), List.of("data.parquet.path=" + parquet,
                "data.parquet.features=pixels"), new Configuration());
        assertEquals(10, run.description().classes());
        assertArrayEquals(model.network().params().toFloatVector(), run.network().params().toFloatVector());
        // What `evaluate NETWORK --data PARQUET_DIR` runs: the job's own evaluation, same accuracy.
        JobData data = JobData.prepare(run.job(), new Configuration());
        assertEquals(accuracy, Scoring.evaluate(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                data.source(), data.testSize(), 2, run.network(), 1000).accuracy());

        // The model reads an array<float> column as it reads the vector.
        Dataset<Row> fromArrays = loadedModel.copy(new org.apache.spark.ml.param.ParamMap())
                .setFeaturesCol("pixelArray").transform(test);
        assertEquals(column(scored, "prediction"), column(fromArrays, "prediction"));
    }

    @Test
    void sequenceAndFlatShapesTrainAndScore() {
        Dataset<Row> small = train.limit(200);
        Dataset<Row> sample = test.limit(50);
        for (SparktrainClassifier c : List.of(
                classifier().setShape(28, 28).setModel("preset = lstm, rnn { units = 8 }"),
                classifier().setShape(784).setModel("layers = [{type = dense, units = 16}, {type = output}]"))) {
            SparktrainClassificationModel model = c.setFeaturesCol("pixelArray").setBatchSizePerWorker(25).fit(small);
            assertEquals(10, model.numClasses());
            List<Row> scored = model.transform(sample).select("prediction", "rawPrediction").collectAsList();
            assertEquals(50, scored.size());
            for (Row r : scored) {
                assertEquals(((Vector) r.get(1)).argmax(), (int) r.getDouble(0), Arrays.toString(c.getShape()));
            }
        }
    }

    private static List<Object> column(Dataset<Row> rows, String name) {
        return rows.select(name).collectAsList().stream().map(r -> r.get(0)).toList();
    }

    @Test
    void classifierSavesAndLoadsItsParameters() throws Exception {
        SparktrainClassifier c = classifier().setModel("preset = \"\", layers = [{type = dense, units = 8}, "
                + "{type = output}]").setTraining("clipping { kind = norm }");
        String path = tmp.resolve("classifier").toString();
        c.save(path);
        SparktrainClassifier loaded = SparktrainClassifier.load(path);
        assertEquals(c.uid(), loaded.uid());
        assertEquals(c.getModel(), loaded.getModel());
        assertArrayEquals(c.getShape(), loaded.getShape());
        assertEquals(1, loaded.getEpochs());
        assertEquals(c.job(10).render(), loaded.job(10).render());
    }

    private static String schemaError(SparktrainClassifier c, Dataset<Row> rows) {
        return assertThrows(IllegalArgumentException.class, () -> c.transformSchema(rows.schema())).getMessage();
    }

    private static String fitError(SparktrainClassifier c, Dataset<Row> rows) {
        return assertThrows(IllegalArgumentException.class, () -> c.fit(rows)).getMessage();
    }

    @Test
    void badSchemasFailBeforeTrainingNamingTheColumn() {
        Dataset<Row> small = train.limit(50);
        assertTrue(schemaError(classifier().setFeaturesCol("nope"), small)
                .startsWith("featuresCol \"nope\" is not a column"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setLabelCol("missing"), small)
                .startsWith("labelCol \"missing\" is not a column"));
        Dataset<Row> text = small.withColumn("words", org.apache.spark.sql.functions.lit("seven"));
        assertTrue(schemaError(classifier().setFeaturesCol("words"), text)
                .startsWith("featuresCol \"words\" must be a Spark ML vector or an array of floats or doubles"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setLabelCol("words"), text)
                .startsWith("labelCol \"words\" must be numeric"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels"), small.withColumn("prediction",
                org.apache.spark.sql.functions.lit(1.0))).startsWith("predictionCol \"prediction\" already exists"));

        Dataset<Row> shortRows = small.withColumn("short", org.apache.spark.sql.functions.slice(
                org.apache.spark.sql.functions.col("pixelArray"), 1, 100));
        assertEquals("featuresCol \"short\" holds rows of 100 values, but shape [1, 28, 28] takes 784",
                fitError(classifier().setFeaturesCol("short"), shortRows));
        assertEquals("labelCol \"label\" holds -1.0; labels are class indices, >= 0",
                fitError(classifier().setFeaturesCol("pixelArray"), small.withColumn("label",
                        org.apache.spark.sql.functions.lit(-1))));
        assertTrue(fitError(classifier().setFeaturesCol("pixelArray"), small.withColumn("label",
                org.apache.spark.sql.functions.lit(1.5))).startsWith("labelCol \"label\" holds 50 values that are "
                + "not whole numbers"));
        assertEquals("labelCol \"label\" is null in 50 rows", fitError(classifier().setFeaturesCol("pixelArray"),
                small.withColumn("label", org.apache.spark.sql.functions.lit(null).cast("int"))));
        assertEquals("labelCol \"label\" holds 9, but numClasses gives 5 classes",
                fitError(classifier().setFeaturesCol("pixelArray").setNumClasses(5), small));
    }

    @Test
    void badParametersFailWithOneLineNamingTheParameter() {
        Dataset<Row> small = train.limit(50);
        assertThrows(IllegalArgumentException.class, () -> classifier().setEpochs(0));
        assertThrows(IllegalArgumentException.class, () -> classifier().setShape(1, 0, 28));
        assertThrows(IllegalArgumentException.class, () -> classifier().setUpdater("rmsprop"));
        assertThrows(IllegalArgumentException.class, () -> classifier().setLearningRate(-1));
        assertTrue(schemaError(new SparktrainClassifier().setFeaturesCol("pixels"), small)
                .startsWith("shape is not set"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setModel("resnet"), small)
                .contains("model.preset must be one of"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setModel("preset = \"\", layers = "
                + "[{type = dense, units = -3}, {type = output}]"), small).contains("model.layers[0]"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setModel("input { channels = 3 }"), small)
                .startsWith("model sets input, which the classifier takes from shape"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setTraining("epochs = 4"), small)
                .startsWith("training sets epochs, which is a parameter of its own"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setTraining("clipping { kind = sideways }"),
                small).contains("training.clipping.kind"));
        assertTrue(schemaError(classifier().setFeaturesCol("pixels").setModel("layers = [ {"), small)
                .startsWith("model is not a preset name or HOCON"));
        assertTrue(fitError(classifier().setFeaturesCol("pixelArray").setWorkers(64), small)
                .startsWith("workers (64) exceeds the 50 rows"));
    }
}
