package io.sparktrain.ml;

import io.sparktrain.data.RowShape;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns a classifier reads and writes, checked against a schema before any Spark job, and the executor-side
 * reading of one row's features (a Spark ML vector or an array of floats or doubles) into floats.
 *
 * @param features the features column
 * @param shape how a row's features are shaped
 * @param prediction the prediction column, "" = none
 * @param probability the probability column, "" = none
 * @param raw the raw prediction column, "" = none
 */
record FeatureRows(String features, RowShape shape, String prediction, String probability, String raw)
        implements Serializable {

    /**
     * Checks that the features column exists and holds a vector or an array of floats or doubles (a vector whose
     * metadata gives its size must have {@code shape}'s), and that no output column exists yet.
     *
     * @return {@code schema} with the output columns appended, as transform makes it
     * @throws IllegalArgumentException naming the column at fault
     */
    StructType outputSchema(StructType schema, int classes) {
        StructField f = field(schema, features, "featuresCol");
        DataType type = f.dataType();
        boolean vector = type.equals(SQLDataTypes.VectorType());
        boolean array = type instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType));
        if (!vector && !array) {
            throw new IllegalArgumentException("featuresCol \"" + features + "\" must be a Spark ML vector or an "
                    + "array of floats or doubles, but is " + type.simpleString());
        }
        if (vector) {
            int size = AttributeGroup.fromStructField(f).size();
            if (size >= 0 && size != shape.length()) {
                throw new IllegalArgumentException("featuresCol \"" + features + "\" holds vectors of size " + size
                        + ", but shape " + shape.sizes() + " takes " + shape.length() + " values");
            }
        }
        StructType out = schema;
        if (!prediction.isEmpty()) {
            out = append(out, prediction, "predictionCol", classes > 0 ? NominalAttribute.defaultAttr()
                    .withName(prediction).withNumValues(classes).toStructField()
                    : new StructField(prediction, DataTypes.DoubleType, false,
                    org.apache.spark.sql.types.Metadata.empty()));
        }
        for (String[] col : List.of(new String[] {probability, "probabilityCol"}, new String[] {raw,
                "rawPredictionCol"})) {
            if (!col[0].isEmpty()) {
                out = append(out, col[0], col[1], classes > 0 ? new AttributeGroup(col[0], classes).toStructField()
                        : new StructField(col[0], SQLDataTypes.VectorType(), false,
                        org.apache.spark.sql.types.Metadata.empty()));
            }
        }
        return out;
    }

    /** Checks that {@code label} exists and is numeric. */
    static void checkLabel(StructType schema, String label) {
        DataType type = field(schema, label, "labelCol").dataType();
        if (!(type instanceof NumericType)) {
            throw new IllegalArgumentException("labelCol \"" + label + "\" must be numeric (whole numbers in [0, "
                    + "numClasses)), but is " + type.simpleString());
        }
    }

    private static StructField field(StructType schema, String name, String param) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(param + " \"" + name + "\" is not a column; the columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    private static StructType append(StructType schema, String name, String param, StructField field) {
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(param + " \"" + name + "\" already exists; choose another name "
                    + "or drop that column");
        }
        return schema.add(field);
    }

    /**
     * Executor side: the features of {@code row}'s column {@code index} as floats, appended to {@code into} at
     * {@code offset}.
     *
     * @param where names the row in messages
     * @throws IllegalArgumentException when the value is null, has a null element or has the wrong length
     */
    void read(Row row, int index, String where, float[] into, int offset) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("featuresCol \"" + features + "\" is null in " + where);
        }
        Object value = row.get(index);
        int length = shape.length();
        if (value instanceof Vector v) {
            requireLength(v.size(), where);
            double[] values = v.toArray();
            for (int k = 0; k < length; k++) {
                into[offset + k] = (float) values[k];
            }
            return;
        }
        List<Object> values = row.getList(index);
        requireLength(values.size(), where);
        for (int k = 0; k < length; k++) {
            Object x = values.get(k);
            if (x == null) {
                throw new IllegalArgumentException("featuresCol \"" + features + "\" has a null value at position "
                        + k + " in " + where);
            }
            into[offset + k] = ((Number) x).floatValue();
        }
    }

    private void requireLength(int size, String where) {
        if (size != shape.length()) {
            throw new IllegalArgumentException("featuresCol \"" + features + "\" holds " + size + " values in "
                    + where + ", but shape " + shape.sizes() + " takes " + shape.length());
        }
    }
}
