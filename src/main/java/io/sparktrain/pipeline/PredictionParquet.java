package io.sparktrain.pipeline;

import io.sparktrain.training.Scoring;
import java.io.IOException;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/** Prediction rows as one Parquet file: {@code id} (UTF-8 string), {@code predicted} (int32), {@code p0...} (float). */
final class PredictionParquet {

    private PredictionParquet() {
    }

    /** The file's schema for {@code classes} classes. */
    static MessageType schema(int classes) {
        Types.GroupBuilder<MessageType> b = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
                .required(PrimitiveTypeName.INT32).named("predicted");
        for (int c = 0; c < classes; c++) {
            b.required(PrimitiveTypeName.FLOAT).named("p" + c);
        }
        return b.named("prediction");
    }

    static long write(Iterator<Scoring.Prediction> rows, Path file, int classes, Configuration hadoop)
            throws IOException {
        MessageType schema = schema(classes);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        long n = 0;
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(file).withConf(hadoop).withType(schema)
                .withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
            while (rows.hasNext()) {
                Scoring.Prediction p = rows.next();
                Group g = groups.newGroup().append("id", p.id()).append("predicted", p.predicted());
                for (int c = 0; c < classes; c++) {
                    g.append("p" + c, p.probabilities()[c]);
                }
                writer.write(g);
                n++;
            }
        }
        return n;
    }
}
