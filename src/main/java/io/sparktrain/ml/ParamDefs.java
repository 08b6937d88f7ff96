package io.sparktrain.ml;

import com.typesafe.config.Config;
import io.sparktrain.config.JobConfigLoader;
import java.io.Serializable;
import java.util.Arrays;
import java.util.function.Predicate;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * Every parameter of {@link SparktrainClassifier} and {@link SparktrainClassificationModel} declared once: name,
 * doc, validator; the defaults of the training keys are the job defaults ({@code sparktrain-reference.conf}), so a
 * classifier left alone trains as a job file that sets nothing does.
 */
final class ParamDefs {

    /** The job defaults, read once. */
    static final Config DEFAULTS = JobConfigLoader.fromString("").effective();

    private ParamDefs() {
    }

    static Param<String> featuresCol(Params owner) {
        return new Param<>(owner, "featuresCol", "features column: a Spark ML vector or an array of floats or "
                + "doubles, product(shape) values per row, read row-major", columnName());
    }

    static Param<String> labelCol(Params owner) {
        return new Param<>(owner, "labelCol", "label column: numeric, whole numbers in [0, numClasses)",
                columnName());
    }

    static Param<String> predictionCol(Params owner) {
        return new Param<>(owner, "predictionCol", "prediction column written by transform: the most probable "
                + "class, as a double; \"\" = not written", valid((String s) -> s != null));
    }

    static Param<String> probabilityCol(Params owner) {
        return new Param<>(owner, "probabilityCol", "probability column written by transform: a vector of every "
                + "class's probability (the softmax of rawPrediction); \"\" = not written",
                valid((String s) -> s != null));
    }

    static Param<String> rawPredictionCol(Params owner) {
        return new Param<>(owner, "rawPredictionCol", "raw prediction column written by transform: a vector of the "
                + "output layer's logits, before its softmax; \"\" = not written", valid((String s) -> s != null));
    }

    static IntArrayParam shape(Params owner) {
        return new IntArrayParam(owner, "shape", "how a row's features are shaped, row-major: [channels, height, "
                + "width] (an image), [steps, features] (a sequence, one class per sequence) or [n] (a flat vector); "
                + "required", valid((int[] s) -> s != null && s.length >= 1 && s.length <= 3
                && Arrays.stream(s).allMatch(d -> d > 0)));
    }

    static IntParam evalBatchSize(Params owner) {
        return new IntParam(owner, "evalBatchSize", "rows per forward pass when scoring (training.evalBatchSize)",
                ParamValidators.gt(0));
    }

    static Param<String> model(Params owner) {
        return new Param<>(owner, "model", "the network: a preset name (" + io.sparktrain.model.Presets.names()
                + ") or a job file's model block as HOCON, e.g. preset = \"\", layers = [{type = dense, units = "
                + "64}, {type = output}]; its input and classes come from shape and numClasses",
                valid((String s) -> s != null && !s.isBlank()));
    }

    static IntParam numClasses(Params owner) {
        return new IntParam(owner, "numClasses", "number of classes; 0 = from the label column's metadata, else "
                + "its largest value + 1", ParamValidators.gtEq(0));
    }

    static IntParam positive(Params owner, String name, String doc) {
        return new IntParam(owner, name, doc + " (training." + name + ")", ParamValidators.gt(0));
    }

    static Param<String> updater(Params owner) {
        return new Param<>(owner, "updater", "the optimiser: adam, sgd or nesterovs (training.updater)",
                ParamValidators.inArray(new String[] {"adam", "sgd", "nesterovs"}));
    }

    static DoubleParam learningRate(Params owner) {
        return new DoubleParam(owner, "learningRate", "the optimiser's learning rate, > 0 (training.learningRate)",
                valid((Object v) -> (Double) v > 0 && !((Double) v).isInfinite()));
    }

    static DoubleParam learningRateDecay(Params owner) {
        return new DoubleParam(owner, "learningRateDecay", "the learning rate is multiplied by this after each "
                + "epoch, in (0, 1] (training.learningRateDecay)", ParamValidators.inRange(0, 1, false, true));
    }

    static DoubleParam momentum(Params owner) {
        return new DoubleParam(owner, "momentum", "momentum of sgd and nesterovs, in [0, 1) (training.momentum)",
                ParamValidators.inRange(0, 1, true, false));
    }

    static LongParam seed(Params owner) {
        return new LongParam(owner, "seed", "seeds initialisation, sharding and shuffling (training.seed)");
    }

    static Param<String> training(Params owner) {
        return new Param<>(owner, "training", "other training.* keys as HOCON, as in a job file's training block "
                + "(schedule, clipping, divergence, aggregation, tbpttLength), e.g. clipping { kind = norm }; keys "
                + "that have a parameter of their own are set with it", valid((String s) -> s != null));
    }

    private static scala.Function1<String, Object> columnName() {
        return valid((String s) -> s != null && !s.isBlank());
    }

    /** A Spark ML validator (a serializable Scala function) from a Java predicate. */
    static <T> scala.Function1<T, Object> valid(SerializablePredicate<T> test) {
        return new Validator<>(test);
    }

    /** A predicate Spark can ship with its parameter. */
    interface SerializablePredicate<T> extends Predicate<T>, Serializable {
    }

    private static final class Validator<T> extends AbstractFunction1<T, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final SerializablePredicate<T> test;

        Validator(SerializablePredicate<T> test) {
            this.test = test;
        }

        @Override
        public Object apply(T value) {
            return test.test(value);
        }
    }
}
