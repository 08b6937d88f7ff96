package io.sparktrain.training;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.PredictionInput;
import io.sparktrain.data.SequenceSet;

/**
 * Kryo registrations for what sparktrain moves through Spark: cached shards, broadcast states, worker results and
 * the parts and rows of a prediction.
 * Records cannot be rebuilt field by field by Kryo (their fields are final), so they, and any record not listed
 * here, go through Java serialisation, whose bulk array writes are as fast for the float arrays that dominate them.
 * Set with {@code spark.kryo.registrator=io.sparktrain.training.KryoRegistrator} (submit.sh does).
 */
public final class KryoRegistrator implements org.apache.spark.serializer.KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        JavaSerializer java = new JavaSerializer();
        // Every record, registered or not: Kryo's default field serialiser cannot set a record's final fields (an
        // unregistered record failed a task on a cluster twice before this default). Registering still saves the
        // class name in each record written.
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
        kryo.register(ExampleSet.class, java);
        kryo.register(SequenceSet.class, java);
        kryo.register(ModelState.class, java);
        kryo.register(SerializableHadoopConf.class, java);
        kryo.register(WorkerUpdate.class, java);
        kryo.register(RoundTotals.Piece.class, java);
        kryo.register(RoundTotals.Slice.class, java);
        kryo.register(RoundTotals.WorkerReport.class, java);
        kryo.register(LossSum.class, java);
        kryo.register(Evaluation.class, java);
        kryo.register(ParameterAveragingTrainer.EvaluatedPart.class, java);
        kryo.register(Misclassified.class, java);
        kryo.register(ParameterAveragingTrainer.ExecutorKernels.class, java);
        kryo.register(PredictionInput.Part.class, java);
        kryo.register(PredictionInput.Batch.class, java);
        kryo.register(PredictionInput.IdxImages.class, java);
        kryo.register(PredictionInput.CsvFiles.class, java);
        kryo.register(PredictionInput.TextWindows.class, java);
        kryo.register(Scoring.Prediction.class, java);
    }
}
