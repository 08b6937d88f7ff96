package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Parquet reader without Spark: each storage form of the feature column Spark and other writers produce reads
 * to the same values, limits cut across files in name order, and value errors name the file, row group and row.
 */
class ParquetExamplesTest {
    private final Configuration hadoop = new Configuration();

    @TempDir
    Path tmp;

    private static void write(Path file, MessageType schema, int rows, IntFunction<Group> row) throws IOException {
        Files.createDirectories(file.getParent());
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withConf(new Configuration()).withType(schema).build()) {
            for (int i = 0; i < rows; i++) {
                w.write(row.apply(i));
            }
        }
    }

    /** Row i's value k: distinct for every (row, k), exact in float. */
    private static float value(int i, int k) {
        return i * 10 + k + 0.25f;
    }

    private ParquetExamples.Rows read(Path dir, int length, int limit) {
        return ParquetExamples.read(ParquetExamples.files(dir.toUri().toString(), hadoop),
                new ParquetExamples.Columns("f", "y", length, 5), limit, hadoop);
    }

    private static void assertRows(ParquetExamples.Rows rows, int n, int length) {
        float[] x = new float[n * length];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < length; k++) {
                x[i * length + k] = value(i, k);
            }
            y[i] = i % 5;
        }
        assertArrayEquals(x, rows.features());
        assertArrayEquals(y, rows.labels());
    }

    @Test
    void twoLevelDoubleListsAndInt64LabelsReadAsFloatsAndInts() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required group f (LIST) { repeated double array; } required int64 y; }");
        SimpleGroupFactory g = new SimpleGroupFactory(schema);
        write(tmp.resolve("d/a.parquet"), schema, 6, i -> {
            Group r = g.newGroup();
            Group list = r.addGroup("f");
            for (int k = 0; k < 3; k++) {
                list.append("array", (double) value(i, k));
            }
            return r.append("y", (long) (i % 5));
        });
        assertRows(read(tmp.resolve("d"), 3, 0), 6, 3);
    }

    @Test
    void repeatedFloatColumnReads() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message m { repeated float f; required int32 y; }");
        SimpleGroupFactory g = new SimpleGroupFactory(schema);
        write(tmp.resolve("d/a.parquet"), schema, 4, i -> {
            Group r = g.newGroup();
            for (int k = 0; k < 2; k++) {
                r.append("f", value(i, k));
            }
            return r.append("y", i % 5);
        });
        assertRows(read(tmp.resolve("d"), 2, 0), 4, 2);
    }

    @Test
    void limitReadsTheFirstRowsAcrossFilesInNameOrder() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required group f (LIST) { repeated group list { required float element; } } "
                        + "required int32 y; }");
        SimpleGroupFactory g = new SimpleGroupFactory(schema);
        // b.parquet holds rows 3..5, a.parquet rows 0..2: name order, not creation order.
        for (int part : new int[] {1, 0}) {
            write(tmp.resolve("d/" + (char) ('a' + part) + ".parquet"), schema, 3, j -> {
                int i = part * 3 + j;
                Group r = g.newGroup();
                Group list = r.addGroup("f");
                list.addGroup("list").append("element", value(i, 0));
                return r.append("y", i % 5);
            });
        }
        Files.writeString(tmp.resolve("d/_SUCCESS"), "");
        assertRows(read(tmp.resolve("d"), 1, 4), 4, 1);
        assertRows(read(tmp.resolve("d"), 1, 0), 6, 1);
    }

    private static final MessageType VECTOR = MessageTypeParser.parseMessageType("message spark_schema { "
            + "optional group f { required int32 type (INTEGER(8,true)); optional int32 size; "
            + "optional group indices (LIST) { repeated group list { required int32 element; } } "
            + "optional group values (LIST) { repeated group list { required double element; } } } "
            + "required int32 y; }");

    private static Group sparse(SimpleGroupFactory g, int size, int[] indices, double[] values, int label) {
        Group r = g.newGroup();
        Group v = r.addGroup("f").append("type", 0).append("size", size);
        Group in = v.addGroup("indices");
        for (int i : indices) {
            in.addGroup("list").append("element", i);
        }
        Group vs = v.addGroup("values");
        for (double d : values) {
            vs.addGroup("list").append("element", d);
        }
        return r.append("y", label);
    }

    @Test
    void sparseVectorsFillZerosAndABadIndexNamesTheRow() throws IOException {
        SimpleGroupFactory g = new SimpleGroupFactory(VECTOR);
        write(tmp.resolve("ok/a.parquet"), VECTOR, 2, i -> sparse(g, 4, new int[] {i, 3}, new double[] {1.5, -2},
                i));
        ParquetExamples.Rows rows = read(tmp.resolve("ok"), 4, 0);
        assertArrayEquals(new float[] {1.5f, 0, 0, -2, 0, 1.5f, 0, -2}, rows.features());
        assertArrayEquals(new int[] {0, 1}, rows.labels());

        write(tmp.resolve("bad/a.parquet"), VECTOR, 3, i -> sparse(g, 4, new int[] {i == 2 ? 4 : 0},
                new double[] {1}, 0));
        DataFormatException e = assertThrows(DataFormatException.class, () -> read(tmp.resolve("bad"), 4, 0));
        assertTrue(e.getMessage().endsWith("a.parquet: row group 0, row 2: column \"f\" has index 4 outside [0, 4)"),
                e.getMessage());
    }

    @Test
    void aMissingOrEmptySplitFolderIsNamed() throws IOException {
        String missing = tmp.resolve("none").toUri().toString();
        assertTrue(assertThrows(DataFormatException.class, () -> ParquetExamples.files(missing, hadoop))
                .getMessage().startsWith(missing + ": not found"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("_SUCCESS"), "");
        String location = empty.toUri().toString();
        assertEquals(location + ": holds no Parquet file", assertThrows(DataFormatException.class,
                () -> ParquetExamples.files(location, hadoop)).getMessage());
    }

    @Test
    void aSequenceShapeMakesFixedLengthSequences() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required group f (LIST) { repeated group list { required float element; } } "
                        + "required int32 y; }");
        SimpleGroupFactory g = new SimpleGroupFactory(schema);
        write(tmp.resolve("s/train/a.parquet"), schema, 3, i -> {
            Group r = g.newGroup();
            Group list = r.addGroup("f");
            for (int k = 0; k < 6; k++) {
                list.addGroup("list").append("element", value(i, k));
            }
            return r.append("y", i % 5);
        });
        ParquetSource source = new ParquetSource(tmp.resolve("s").toUri().toString(),
                new ParquetExamples.Columns("f", "y", 6, 5), List.of(3, 2), 0, 0);
        SequenceSet set = (SequenceSet) source.load(Split.TRAIN, hadoop);
        assertEquals(3, set.size());
        assertEquals(2, set.features());
        assertEquals(3, set.maxLength());
        // Step t of row i is values [2t, 2t + 1]: the minibatch is [n, features, steps].
        org.nd4j.linalg.api.ndarray.INDArray x = set.minibatch(new int[] {0, 1, 2}, 0, 3).getFeatures();
        assertEquals(value(1, 2 * 2 + 1), x.getFloat(1, 1, 2));
        assertEquals(value(2, 0), x.getFloat(2, 0, 0));
    }
}
