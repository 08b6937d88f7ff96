package io.sparktrain.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.data.Examples;
import io.sparktrain.data.RowShape;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.pipeline.RunOutput;
import io.sparktrain.pipeline.SavedModel;
import io.sparktrain.training.BroadcastNetwork;
import io.sparktrain.training.EpochRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A network trained by {@link SparktrainClassifier}, as a Spark ML {@code Transformer}: {@link #transform} appends
 * {@code prediction} (the most probable class, a double), {@code probability} (every class's probability, a vector)
 * and {@code rawPrediction} (the output layer's logits, a vector), as Spark ML's classifiers do. Executors score
 * their partitions in minibatches of {@code evalBatchSize} rows with the parameters broadcast once per call.
 *
 * <p>{@code write().save(path)} writes Spark ML's parameter metadata and, under {@code path/network}, a sparktrain
 * run folder ({@code model.zip} in plain DL4J form, {@code config.conf}, {@code metrics.json}), which the
 * command line's {@code describe}, {@code evaluate} and {@code export} read like any run.
 */
public final class SparktrainClassificationModel extends Model<SparktrainClassificationModel>
        implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    /** The run folder inside a saved model. */
    static final String NETWORK = "network";

    private final String uid;
    private final transient MultiLayerNetwork network;
    // Java serialization (a model captured in a closure) carries the parameters, not the network.
    private final transient ModelDescription description;
    private final int classes;
    private final String jobConfig;
    private final List<EpochRecord> epochs;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntArrayParam shape;
    private final IntParam evalBatchSize;

    SparktrainClassificationModel(String uid, MultiLayerNetwork network, ModelDescription description,
                                  String jobConfig, List<EpochRecord> epochs) {
        this.uid = uid;
        this.network = network;
        this.description = description;
        this.classes = description.classes();
        this.jobConfig = jobConfig;
        this.epochs = List.copyOf(epochs);
        // After the uid: a parameter takes its owner's uid when made.
        featuresCol = ParamDefs.featuresCol(this);
        predictionCol = ParamDefs.predictionCol(this);
        probabilityCol = ParamDefs.probabilityCol(this);
        rawPredictionCol = ParamDefs.rawPredictionCol(this);
        shape = ParamDefs.shape(this);
        evalBatchSize = ParamDefs.evalBatchSize(this);
        setDefault(featuresCol, "features");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(evalBatchSize, ParamDefs.DEFAULTS.getInt("training.evalBatchSize"));
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() {
        return featuresCol;
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

    public IntParam evalBatchSize() {
        return evalBatchSize;
    }

    public SparktrainClassificationModel setFeaturesCol(String value) {
        return with(featuresCol, value);
    }

    public SparktrainClassificationModel setPredictionCol(String value) {
        return with(predictionCol, value);
    }

    public SparktrainClassificationModel setProbabilityCol(String value) {
        return with(probabilityCol, value);
    }

    public SparktrainClassificationModel setRawPredictionCol(String value) {
        return with(rawPredictionCol, value);
    }

    public SparktrainClassificationModel setEvalBatchSize(int value) {
        return with(evalBatchSize, value);
    }

    private <T> SparktrainClassificationModel with(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    /** The trained network (optimiser state included). */
    public MultiLayerNetwork network() {
        return network;
    }

    /** Number of classes. */
    public int numClasses() {
        return classes;
    }

    /** The epochs of the fit: training loss and time of each (empty for a loaded model). */
    public List<EpochRecord> epochs() {
        return epochs;
    }

    /** The job configuration the classifier's parameters made, as HOCON. */
    public String jobConfig() {
        return jobConfig;
    }

    @Override
    public SparktrainClassificationModel copy(ParamMap extra) {
        SparktrainClassificationModel copy = copyValues(new SparktrainClassificationModel(uid, network, description,
                jobConfig, epochs), extra);
        return hasParent() ? copy.setParent(parent()) : copy;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return columns().outputSchema(schema, numClasses());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (network == null) {
            throw new IllegalStateException(uid + " was deserialized without its network; read a saved model with "
                    + "SparktrainClassificationModel.load");
        }
        FeatureRows columns = columns();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        // Not destroyed here: the result is lazy. Spark's cleaner releases it once the plan is unreachable.
        BroadcastNetwork net = BroadcastNetwork.of(sc, network);
        Dataset<Row> rows = dataset.toDF();
        return rows.mapPartitions(new Score(net, columns, rows.schema().fieldIndex(columns.features()),
                (Integer) getOrDefault(evalBatchSize), numClasses()), Encoders.row(out));
    }

    private FeatureRows columns() {
        return new FeatureRows(getOrDefault(featuresCol), RowShape.of(getOrDefault(shape)),
                getOrDefault(predictionCol), getOrDefault(probabilityCol), getOrDefault(rawPredictionCol));
    }

    /** Executor side: scores a partition, {@code batchSize} rows at a time, appending the output columns. */
    private record Score(BroadcastNetwork net, FeatureRows columns, int featuresIndex, int batchSize, int classes)
            implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            return new Iterator<>() {
                private List<Row> scored = List.of();
                private int next;
                private long seen;

                @Override
                public boolean hasNext() {
                    if (next < scored.size()) {
                        return true;
                    }
                    if (!input.hasNext()) {
                        return false;
                    }
                    scored = scoreNext();
                    next = 0;
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return scored.get(next++);
                }

                private List<Row> scoreNext() {
                    List<Row> batch = new ArrayList<>(batchSize);
                    int length = columns.shape().length();
                    float[] features = new float[batchSize * length];
                    while (batch.size() < batchSize && input.hasNext()) {
                        Row row = input.next();
                        columns.read(row, featuresIndex, "row " + seen++ + " of its partition", features,
                                batch.size() * length);
                        batch.add(row);
                    }
                    Examples examples = columns.shape().examples(java.util.Arrays.copyOf(features,
                            batch.size() * length), new int[batch.size()], classes);
                    float[][] logits = net.logits(examples, batchSize);
                    List<Row> out = new ArrayList<>(batch.size());
                    for (int i = 0; i < batch.size(); i++) {
                        out.add(appended(batch.get(i), logits[i]));
                    }
                    return out;
                }
            };
        }

        private Row appended(Row row, float[] logits) {
            List<Object> values = new ArrayList<>(row.size() + 3);
            for (int i = 0; i < row.size(); i++) {
                values.add(row.get(i));
            }
            double[] raw = new double[logits.length];
            int best = 0;
            double top = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < logits.length; c++) {
                raw[c] = logits[c];
                if (raw[c] > raw[best]) {
                    best = c;
                }
                top = Math.max(top, raw[c]);
            }
            double[] probability = new double[raw.length];
            double total = 0;
            for (int c = 0; c < raw.length; c++) {
                probability[c] = Math.exp(raw[c] - top);
                total += probability[c];
            }
            for (int c = 0; c < raw.length; c++) {
                probability[c] /= total;
            }
            if (!columns.prediction().isEmpty()) {
                values.add((double) best);
            }
            if (!columns.probability().isEmpty()) {
                values.add(Vectors.dense(probability));
            }
            if (!columns.raw().isEmpty()) {
                values.add(Vectors.dense(raw));
            }
            return RowFactory.create(values.toArray());
        }
    }

    /** Writes the parameters (as Spark ML's default writer does) and the network as a sparktrain run folder. */
    @Override
    public MLWriter write() {
        return new Writer(this, DefaultParamsWritable.super.write());
    }

    /** Spark ML's reader of a saved model (what {@code PipelineModel}'s loader calls). */
    public static MLReader<SparktrainClassificationModel> read() {
        return new Reader();
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static SparktrainClassificationModel load(String path) {
        return read().load(path);
    }

    private static final class Writer extends MLWriter {
        private final SparktrainClassificationModel model;
        private final MLWriter params;

        Writer(SparktrainClassificationModel model, MLWriter params) {
            this.model = model;
            this.params = params;
        }

        @Override
        public void saveImpl(String path) {
            try {
                params.session(sparkSession()).save(path);
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("name", "sparktrain-classifier");
                metrics.put("uid", model.uid());
                metrics.put("epochs", model.epochs());
                RunOutput.prepare(path + "/" + NETWORK, sc().hadoopConfiguration()).write(model.network(),
                        model.description, model.jobConfig(), metrics, Optional.empty());
            } catch (IOException e) {
                throw new UncheckedIOException("saving " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private static final class Reader extends MLReader<SparktrainClassificationModel> {
        @Override
        public SparktrainClassificationModel load(String path) {
            SavedModel saved = SavedModel.load(path + "/" + NETWORK, List.of(), sc().hadoopConfiguration());
            JsonNode metadata;
            try {
                metadata = new ObjectMapper().readTree(sparkSession().read().text(path + "/metadata").first()
                        .getString(0));
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + path + "/metadata: " + e.getMessage(), e);
            }
            SparktrainClassificationModel model = new SparktrainClassificationModel(metadata.path("uid").asText(),
                    saved.network(), saved.description(), saved.job().render(), List.of());
            for (Iterator<Map.Entry<String, JsonNode>> it = metadata.path("paramMap").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Param<Object> p = model.getParam(e.getKey());
                model.set(p, p.jsonDecode(e.getValue().toString()));
            }
            return model;
        }
    }
}
