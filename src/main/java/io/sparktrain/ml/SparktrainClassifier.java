package io.sparktrain.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueFactory;
import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.data.RowShape;
import io.sparktrain.data.ShardPlan;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.training.ParameterAveragingTrainer;
import io.sparktrain.training.TrainingResult;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML estimator that trains a sparktrain network on a DataFrame: {@link #fit} cuts the rows into one shard
 * per worker exactly as a training job cuts its files ({@link ShardPlan}), runs the same parameter-averaging trainer
 * ({@link ParameterAveragingTrainer}) and returns a {@link SparktrainClassificationModel}. The same rows, model and
 * training parameters give the network, and so the predictions, of the job file with those keys.
 *
 * <p>Parameters mirror a job file's keys: the data shape ({@code shape}, like {@code data.parquet.shape}), the network
 * ({@code model}: a preset name or a {@code model} block), the training keys ({@code epochs}, {@code workers},
 * {@code batchSizePerWorker}, ...; the rest of {@code training.*} as HOCON in {@code training}), with the job
 * defaults. Schema and parameters are checked by {@link #transformSchema} before any Spark job.
 *
 * <pre>{@code
 * SparktrainClassifier classifier = new SparktrainClassifier().setShape(1, 28, 28).setEpochs(2);
 * PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {assembler, classifier}).fit(train);
 * fitted.transform(test).select("prediction", "probability");
 * }</pre>
 */
public final class SparktrainClassifier extends Estimator<SparktrainClassificationModel>
        implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SparktrainClassifier.class);
    /** Stands for the DataFrame where a job file names the Parquet folder ({@code data.parquet.path}). */
    static final String DATAFRAME = "dataframe";
    private static final Set<String> OWN_TRAINING_KEYS = Set.of("epochs", "workers", "batchSizePerWorker",
            "averagingFrequency", "updater", "learningRate", "learningRateDecay", "momentum", "seed", "evalBatchSize");

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntArrayParam shape;
    private final Param<String> model;
    private final IntParam numClasses;
    private final IntParam epochs;
    private final IntParam workers;
    private final IntParam batchSizePerWorker;
    private final IntParam averagingFrequency;
    private final Param<String> updater;
    private final DoubleParam learningRate;
    private final DoubleParam learningRateDecay;
    private final DoubleParam momentum;
    private final LongParam seed;
    private final IntParam evalBatchSize;
    private final Param<String> training;

    /** A classifier with the job defaults; {@link #setShape} is required. */
    public SparktrainClassifier() {
        this(Identifiable$.MODULE$.randomUID("sparktrainClassifier"));
    }

    /** As {@link #SparktrainClassifier()}, with {@code uid} (Spark's reader calls this). */
    public SparktrainClassifier(String uid) {
        this.uid = uid;
        // After the uid: a parameter takes its owner's uid when made.
        featuresCol = ParamDefs.featuresCol(this);
        labelCol = ParamDefs.labelCol(this);
        predictionCol = ParamDefs.predictionCol(this);
        probabilityCol = ParamDefs.probabilityCol(this);
        rawPredictionCol = ParamDefs.rawPredictionCol(this);
        shape = ParamDefs.shape(this);
        model = ParamDefs.model(this);
        numClasses = ParamDefs.numClasses(this);
        epochs = ParamDefs.positive(this, "epochs", "passes over the training rows");
        workers = ParamDefs.positive(this, "workers", "shards and parallel tasks");
        batchSizePerWorker = ParamDefs.positive(this, "batchSizePerWorker",
            "rows per minibatch on each worker");
        averagingFrequency = ParamDefs.positive(this, "averagingFrequency",
            "minibatches each worker fits between two parameter averagings");
        updater = ParamDefs.updater(this);
        learningRate = ParamDefs.learningRate(this);
        learningRateDecay = ParamDefs.learningRateDecay(this);
        momentum = ParamDefs.momentum(this);
        seed = ParamDefs.seed(this);
        evalBatchSize = ParamDefs.evalBatchSize(this);
        training = ParamDefs.training(this);
        Config d = ParamDefs.DEFAULTS;
        setDefault(featuresCol, "features");
        setDefault(labelCol, "label");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(model, d.getString("model.preset"));
        setDefault(numClasses, 0);
        setDefault(epochs, d.getInt("training.epochs"));
        setDefault(workers, d.getInt("training.workers"));
        setDefault(batchSizePerWorker, d.getInt("training.batchSizePerWorker"));
        setDefault(averagingFrequency, d.getInt("training.averagingFrequency"));
        setDefault(updater, d.getString("training.updater"));
        setDefault(learningRate, d.getDouble("training.learningRate"));
        setDefault(learningRateDecay, d.getDouble("training.learningRateDecay"));
        setDefault(momentum, d.getDouble("training.momentum"));
        setDefault(seed, d.getLong("training.seed"));
        setDefault(evalBatchSize, d.getInt("training.evalBatchSize"));
        setDefault(training, "");
    }

    @Override
    public String uid() {
        return uid;
    }

    // Parameters (Spark ML finds them through these accessors), getters and setters.

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    public IntArrayParam shape() {
        return shape;
    }

    public Param<String> model() {
        return model;
    }

    public IntParam numClasses() {
        return numClasses;
    }

    public IntParam epochs() {
        return epochs;
    }

    public IntParam workers() {
        return workers;
    }

    public IntParam batchSizePerWorker() {
        return batchSizePerWorker;
    }

    public IntParam averagingFrequency() {
        return averagingFrequency;
    }

    public Param<String> updater() {
        return updater;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public DoubleParam learningRateDecay() {
        return learningRateDecay;
    }

    public DoubleParam momentum() {
        return momentum;
    }

    public LongParam seed() {
        return seed;
    }

    public IntParam evalBatchSize() {
        return evalBatchSize;
    }

    public Param<String> training() {
        return training;
    }

    public String getFeaturesCol() {
        return getOrDefault(featuresCol);
    }

    public String getLabelCol() {
        return getOrDefault(labelCol);
    }

    public int[] getShape() {
        return getOrDefault(shape).clone();
    }

    public String getModel() {
        return getOrDefault(model);
    }

    public int getNumClasses() {
        return (Integer) getOrDefault(numClasses);
    }

    public int getEpochs() {
        return (Integer) getOrDefault(epochs);
    }

    public int getWorkers() {
        return (Integer) getOrDefault(workers);
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    public SparktrainClassifier setFeaturesCol(String value) {
        return with(featuresCol, value);
    }

    public SparktrainClassifier setLabelCol(String value) {
        return with(labelCol, value);
    }

    public SparktrainClassifier setPredictionCol(String value) {
        return with(predictionCol, value);
    }

    public SparktrainClassifier setProbabilityCol(String value) {
        return with(probabilityCol, value);
    }

    public SparktrainClassifier setRawPredictionCol(String value) {
        return with(rawPredictionCol, value);
    }

    /** {@code [channels, height, width]}, {@code [steps, features]} or {@code [n]}. */
    public SparktrainClassifier setShape(int... value) {
        return with(shape, value.clone());
    }

    /** A preset name, or a job file's {@code model} block as HOCON. */
    public SparktrainClassifier setModel(String value) {
        return with(model, value);
    }

    public SparktrainClassifier setNumClasses(int value) {
        return with(numClasses, value);
    }

    public SparktrainClassifier setEpochs(int value) {
        return with(epochs, value);
    }

    public SparktrainClassifier setWorkers(int value) {
        return with(workers, value);
    }

    public SparktrainClassifier setBatchSizePerWorker(int value) {
        return with(batchSizePerWorker, value);
    }

    public SparktrainClassifier setAveragingFrequency(int value) {
        return with(averagingFrequency, value);
    }

    public SparktrainClassifier setUpdater(String value) {
        return with(updater, value);
    }

    public SparktrainClassifier setLearningRate(double value) {
        return with(learningRate, value);
    }

    public SparktrainClassifier setLearningRateDecay(double value) {
        return with(learningRateDecay, value);
    }

    public SparktrainClassifier setMomentum(double value) {
        return with(momentum, value);
    }

    public SparktrainClassifier setSeed(long value) {
        return with(seed, value);
    }

    public SparktrainClassifier setEvalBatchSize(int value) {
        return with(evalBatchSize, value);
    }

    /** Other {@code training.*} keys as HOCON, e.g. {@code "clipping { kind = norm, threshold = 1 }"}. */
    public SparktrainClassifier setTraining(String value) {
        return with(training, value);
    }

    private <T> SparktrainClassifier with(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    @Override
    public SparktrainClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /**
     * Checks the features and label columns, the parameters and the network they describe, before any Spark job.
     *
     * @return the schema the fitted model's {@code transform} gives
     * @throws IllegalArgumentException with one line naming the column or parameter at fault
     */
    @Override
    public StructType transformSchema(StructType schema) {
        FeatureRows.checkLabel(schema, getLabelCol());
        int classes = getNumClasses() > 0 ? getNumClasses() : metadataClasses(schema).orElse(0);
        job(Math.max(classes, 2));
        return columns().outputSchema(schema, classes);
    }

    /** Trains on {@code dataset}'s rows, in the DataFrame's order (cache a DataFrame that is not deterministic). */
    @Override
    public SparktrainClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        FeatureRows columns = columns();
        Dataset<Row> rows = dataset.select(col(getFeaturesCol()), col(getLabelCol()).cast("double"));
        int classes = checkRows(rows, dataset.schema());
        long counted = rows.count();
        if (counted < getWorkers() || counted > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(counted < getWorkers() ? "workers (" + getWorkers() + ") exceeds the "
                    + counted + " rows" : counted + " rows are more than one fit takes (" + Integer.MAX_VALUE + ")");
        }
        int n = (int) counted;
        JobConfig job = job(classes);
        NetworkSpec spec = job.model().resolve(columns.shape().sequences() ? getShape()[1] : 0, classes);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        LOG.info("{}: fitting {} rows of shape {} in {} classes", uid, n, columns.shape().sizes(), classes);
        LOG.info("{}", spec.summary());
        ShardPlan plan = new ShardPlan(n, job.training().workers(), job.training().batchSizePerWorker(),
                job.training().seed());
        TrainingResult result = new ParameterAveragingTrainer(sc, spec, job.training())
                .train(DataFrameShards.of(rows, n, plan, columns, classes), n, Optional.empty());
        SparktrainClassificationModel fitted = new SparktrainClassificationModel(uid, result.network(),
                ModelDescription.of(spec), job.render(), result.epochs());
        return copyValues(fitted, ParamMap.empty()).setParent(this);
    }

    private FeatureRows columns() {
        if (!isDefined(shape)) {
            throw new IllegalArgumentException("shape is not set: give [channels, height, width], [steps, features] "
                    + "or [n] (setShape)");
        }
        return new FeatureRows(getFeaturesCol(), RowShape.of(getShape()), getOrDefault(predictionCol),
                getOrDefault(probabilityCol), getOrDefault(rawPredictionCol));
    }

    /**
     * One Spark job over the labels and feature lengths: every label a whole number in [0, classes), no null,
     * every row's features of the shape's length.
     *
     * @return the number of classes
     */
    private int checkRows(Dataset<Row> rows, StructType schema) {
        String features = getFeaturesCol();
        String label = getLabelCol();
        Column f = col(features);
        Column values = schema.apply(features).dataType().equals(SQLDataTypes.VectorType())
                ? functions.vector_to_array(f, "float64") : f;
        Column y = col(label);
        Row stats = rows.agg(count(y), sum(when(y.isNull(), 1).otherwise(0)), min(y), max(y),
                sum(when(y.notEqual(floor(y)), 1).otherwise(0)), sum(when(f.isNull(), 1).otherwise(0)),
                min(size(values)), max(size(values))).first();
        if (stats.getLong(0) + (stats.isNullAt(1) ? 0 : stats.getLong(1)) == 0) {
            throw new IllegalArgumentException("the DataFrame has no rows to fit");
        }
        if (!stats.isNullAt(1) && stats.getLong(1) > 0) {
            throw new IllegalArgumentException("labelCol \"" + label + "\" is null in " + stats.getLong(1) + " rows");
        }
        if (stats.getLong(4) > 0) {
            throw new IllegalArgumentException("labelCol \"" + label + "\" holds " + stats.getLong(4) + " values "
                    + "that are not whole numbers; labels are class indices 0, 1, 2, ...");
        }
        double lowest = stats.getDouble(2);
        double highest = stats.getDouble(3);
        if (lowest < 0) {
            throw new IllegalArgumentException("labelCol \"" + label + "\" holds " + lowest + "; labels are class "
                    + "indices, >= 0");
        }
        if (stats.getLong(5) > 0) {
            throw new IllegalArgumentException("featuresCol \"" + features + "\" is null in " + stats.getLong(5)
                    + " rows");
        }
        int length = RowShape.of(getShape()).length();
        if (stats.getInt(6) != length || stats.getInt(7) != length) {
            int wrong = stats.getInt(6) != length ? stats.getInt(6) : stats.getInt(7);
            throw new IllegalArgumentException("featuresCol \"" + features + "\" holds rows of " + wrong
                    + " values, but shape " + Arrays.toString(getShape()) + " takes " + length);
        }
        int fromData = (int) Math.max(2, highest + 1);
        int classes = getNumClasses() > 0 ? getNumClasses() : metadataClasses(schema).orElse(fromData);
        if (highest >= classes) {
            throw new IllegalArgumentException("labelCol \"" + label + "\" holds " + (long) highest + ", but "
                    + (getNumClasses() > 0 ? "numClasses" : "its metadata") + " gives " + classes + " classes");
        }
        return classes;
    }

    /** The classes a nominal label column's metadata names (as StringIndexer writes them). */
    private Optional<Integer> metadataClasses(StructType schema) {
        Attribute a = Attribute.fromStructField(schema.apply(getLabelCol()));
        if (a instanceof NominalAttribute nominal && nominal.getNumValues().isDefined()) {
            return Optional.of(Math.max(2, (Integer) nominal.getNumValues().get()));
        }
        return Optional.empty();
    }

    /**
     * The job these parameters make: a Parquet job over the DataFrame's columns, validated by the job loader.
     *
     * @throws IllegalArgumentException naming the parameter (or the model block's key) at fault
     */
    JobConfig job(int classes) {
        int[] dims = columns().shape().sizes().stream().mapToInt(Integer::intValue).toArray();
        Config c = ConfigFactory.empty()
                .withValue("name", ConfigValueFactory.fromAnyRef("sparktrain-classifier"))
                .withValue("data.format", ConfigValueFactory.fromAnyRef("parquet"))
                .withValue("data.parquet.path", ConfigValueFactory.fromAnyRef(DATAFRAME))
                .withValue("data.parquet.features", ConfigValueFactory.fromAnyRef(getFeaturesCol()))
                .withValue("data.parquet.label", ConfigValueFactory.fromAnyRef(getLabelCol()))
                .withValue("data.parquet.shape", ConfigValueFactory.fromIterable(Arrays.stream(dims).boxed()
                        .toList()))
                .withValue("model.classes", ConfigValueFactory.fromAnyRef(classes));
        if (dims.length == 2) {
            c = c.withValue("model.input.features", ConfigValueFactory.fromAnyRef(dims[1]));
        } else {
            c = c.withValue("model.input.channels", ConfigValueFactory.fromAnyRef(dims[0]))
                    .withValue("model.input.height", ConfigValueFactory.fromAnyRef(dims.length == 3 ? dims[1] : 1))
                    .withValue("model.input.width", ConfigValueFactory.fromAnyRef(dims.length == 3 ? dims[2] : 1));
        }
        for (Param<?> p : List.of(epochs, workers, batchSizePerWorker, averagingFrequency, updater, learningRate,
                learningRateDecay, momentum, seed, evalBatchSize)) {
            c = c.withValue("training." + p.name(), ConfigValueFactory.fromAnyRef(getOrDefault(p)));
        }
        c = c.withFallback(modelBlock().atPath("model")).withFallback(trainingBlock().atPath("training"));
        try {
            return JobConfigLoader.fromConfig(c);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage().replace("data.parquet.shape", "shape"), e);
        }
    }

    private Config modelBlock() {
        String value = getModel().trim();
        if (value.matches("[A-Za-z0-9_-]+")) {
            return ConfigFactory.empty().withValue("preset", ConfigValueFactory.fromAnyRef(value));
        }
        Config block = parse("model", value);
        if (block.root().size() == 1 && block.root().containsKey("model")
                && block.root().get("model") instanceof ConfigObject inner) {
            block = inner.toConfig();
        }
        for (String key : List.of("input", "classes")) {
            if (block.hasPath(key)) {
                throw new IllegalArgumentException("model sets " + key + ", which the classifier takes from "
                        + (key.equals("input") ? "shape" : "numClasses and the labels") + "; remove it");
            }
        }
        if (block.hasPath("layers") && !block.hasPath("preset")) {
            block = block.withValue("preset", ConfigValueFactory.fromAnyRef(""));
        }
        return block;
    }

    private Config trainingBlock() {
        Config block = parse("training", getOrDefault(training));
        for (String key : block.root().keySet()) {
            if (OWN_TRAINING_KEYS.contains(key)) {
                throw new IllegalArgumentException("training sets " + key + ", which is a parameter of its own; set "
                        + key + " with set" + Character.toUpperCase(key.charAt(0)) + key.substring(1));
            }
        }
        return block;
    }

    private static Config parse(String param, String hocon) {
        try {
            return ConfigFactory.parseString(hocon);
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException(param + " is not a preset name or HOCON: "
                    + e.getMessage().replace('\n', ' '), e);
        }
    }

    /** Spark ML's reader of a saved classifier (what {@code Pipeline}'s loader calls). */
    public static MLReader<SparktrainClassifier> read() {
        return new DefaultParamsReadable<SparktrainClassifier>() { }.read();
    }

    /** Loads a classifier saved with {@code write().save(path)}. */
    public static SparktrainClassifier load(String path) {
        return read().load(path);
    }
}
