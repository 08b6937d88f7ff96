package io.sparktrain.data;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Reads labelled rows from Parquet files with parquet-hadoop's own reader (no Spark), so executors can load their
 * shards and the driver can check schemas from the footers alone.
 *
 * <p>The feature column may be a list of floats or doubles (Parquet {@code LIST}, three-level as Spark writes it,
 * or the older two- and one-level forms) or a Spark ML vector (the struct Spark writes for {@code VectorUDT}:
 * {@code type} 0 sparse / 1 dense, {@code size}, {@code indices}, {@code values}). The label column is an int32 or
 * int64. Every problem is a {@link DataFormatException} naming the file, the column and, for a value, the row group
 * and row.
 */
public final class ParquetExamples {

    /** How the feature column is stored. */
    enum FeatureKind {
        /** {@code repeated float|double name}. */
        REPEATED,
        /** {@code group name (LIST) { repeated float|double element }}. */
        TWO_LEVEL,
        /** {@code group name (LIST) { repeated group list { optional float|double element } }}. */
        THREE_LEVEL,
        /** Spark ML's vector struct. */
        VECTOR
    }

    /**
     * What the reader needs to know.
     *
     * @param features the feature column
     * @param label the class column
     * @param length feature values per row
     * @param classes labels must lie in {@code [0, classes)}
     */
    public record Columns(String features, String label, int length, int classes) implements java.io.Serializable {
    }

    /** The rows of one split, row-major feature values and labels. */
    record Rows(float[] features, int[] labels) {
    }

    private ParquetExamples() {
    }

    /**
     * The Parquet files of one split, in name order: {@code location} itself when it is a file, else the files in
     * it whose names do not start with {@code _} or {@code .} (Spark's {@code _SUCCESS} and checksums).
     *
     * @throws DataFormatException when the location is missing or holds no file
     */
    public static List<String> files(String location, Configuration hadoop) {
        Path p = new Path(location);
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                throw new DataFormatException(location, "not found (data.parquet.path must hold train/ and test/)");
            }
            FileStatus status = fs.getFileStatus(p);
            if (!status.isDirectory()) {
                return List.of(status.getPath().toString());
            }
            List<String> out = Arrays.stream(fs.listStatus(p))
                    .filter(s -> s.isFile() && !s.getPath().getName().startsWith("_")
                            && !s.getPath().getName().startsWith("."))
                    .map(s -> s.getPath().toString()).sorted().collect(Collectors.toList());
            if (out.isEmpty()) {
                throw new DataFormatException(location, "holds no Parquet file");
            }
            return out;
        } catch (IOException e) {
            throw new DataFormatException(location, "cannot list: " + e.getMessage(), e);
        }
    }

    /**
     * Checks each file's schema from its footer and counts its rows, reading no data.
     *
     * @return the number of rows in all the files
     * @throws DataFormatException naming the file and column when a column is missing or of the wrong type
     */
    public static long checkSchemas(List<String> files, Columns columns, Configuration hadoop) {
        long rows = 0;
        for (String file : files) {
            try (ParquetFileReader reader = open(file, hadoop)) {
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                featureKind(schema, columns.features(), file);
                labelType(schema, columns.label(), file);
                rows += reader.getRecordCount();
            } catch (IOException e) {
                throw new DataFormatException(file, "cannot read the Parquet footer: " + e.getMessage(), e);
            }
        }
        return rows;
    }

    /**
     * Reads the first {@code limit} rows (0 = all) of {@code files}, validating every value.
     *
     * @throws DataFormatException naming the file, column, row group and row of the first bad value
     */
    static Rows read(List<String> files, Columns columns, int limit, Configuration hadoop) {
        long total = checkSchemas(files, columns, hadoop);
        long rows = Math.min(limit > 0 ? limit : Long.MAX_VALUE, total);
        if (rows * columns.length() > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(files.get(0), rows + " rows of " + columns.length() + " values do not fit "
                    + "one array; set data.trainLimit / data.testLimit");
        }
        return read(files, columns, IndexRanges.of(0, (int) rows), hadoop);
    }

    /**
     * Reads the rows in {@code ranges} of {@code files} (taken one after the other), in ascending order, validating
     * every value of those rows. Only the row groups that hold rows of the ranges are read; the others are skipped by
     * their footers' row counts, so the bytes read are those row groups plus every file's footer up to the last
     * range's end.
     *
     * @throws DataFormatException naming the file, column, row group and row of the first bad value, or the
     *     ranges when the files hold fewer rows
     */
    static Rows read(List<String> files, Columns columns, IndexRanges ranges, Configuration hadoop) {
        int n = ranges.size();
        if ((long) n * columns.length() > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(files.get(0), n + " rows of " + columns.length() + " values do "
                    + "not fit one array; use more workers or set data.trainLimit / data.testLimit");
        }
        float[] x = new float[n * columns.length()];
        int[] y = new int[n];
        int[] written = {0};
        long first = 0; // the index of the current file's first row among all the files' rows
        for (String file : files) {
            if (first >= ranges.limit()) {
                break;
            }
            first = readFile(file, columns, x, y, written, first, ranges, hadoop);
        }
        if (first < ranges.limit()) {
            throw new DataFormatException(files.get(files.size() - 1), "rows " + ranges + " asked of " + first
                    + " rows");
        }
        return new Rows(x, y);
    }

    /** The first rows of every row group of {@code files} (taken one after the other), from their footers. */
    static long[] rowGroupStarts(List<String> files, Configuration hadoop) {
        List<Long> starts = new java.util.ArrayList<>();
        long at = 0;
        for (String file : files) {
            try (ParquetFileReader reader = open(file, hadoop)) {
                for (BlockMetaData group : reader.getRowGroups()) {
                    if (group.getRowCount() > 0) {
                        starts.add(at);
                        at += group.getRowCount();
                    }
                }
            } catch (IOException e) {
                throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
            }
        }
        return starts.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Reads the rows of {@code file} that fall in {@code ranges} into {@code x} and {@code y}, from position
     * {@code written[0]} on (advanced past them); {@code first} is the file's first row's index.
     *
     * @return the index of the row after the file's last
     */
    private static long readFile(String file, Columns columns, float[] x, int[] y, int[] written, long first,
                                 IndexRanges ranges, Configuration hadoop) {
        try (ParquetFileReader reader = open(file, hadoop)) {
            long count = reader.getRecordCount();
            IndexRanges mine = ranges.within((int) Math.min(first, Integer.MAX_VALUE),
                    (int) Math.min(first + count, Integer.MAX_VALUE));
            if (mine.count() == 0) {
                return first + count; // the footer alone: no row of it is wanted
            }
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            FeatureKind kind = featureKind(schema, columns.features(), file);
            boolean int64 = labelType(schema, columns.label(), file) == PrimitiveTypeName.INT64;
            MessageType projection = new MessageType(schema.getName(), schema.getType(columns.features()),
                    schema.getType(columns.label()));
            reader.setRequestedSchema(projection);
            int at = 0; // the current row group's first row within the file
            List<BlockMetaData> groups = reader.getRowGroups();
            for (int group = 0; group < groups.size() && at < mine.limit(); group++) {
                int rows = (int) groups.get(group).getRowCount();
                IndexRanges wanted = mine.within(at, at + rows);
                if (wanted.count() == 0) {
                    reader.skipNextRowGroup();
                    at += rows;
                    continue;
                }
                PageReadStore pages = reader.readNextRowGroup();
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection, schema)
                        .getRecordReader(pages, new GroupRecordConverter(projection));
                int range = 0;
                for (int r = 0; r < wanted.limit(); r++) {
                    Group row = records.read();
                    if (r >= wanted.end(range)) {
                        range++;
                    }
                    if (r < wanted.start(range)) {
                        continue; // between the ranges, in a row group they take rows of
                    }
                    int i = written[0]++;
                    String where = "row group " + group + ", row " + r;
                    features(row, kind, columns, x, i * columns.length(), file, where);
                    y[i] = label(row, int64, columns, file, where);
                }
                at += rows;
            }
            return first + count;
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static ParquetFileReader open(String file, Configuration hadoop) throws IOException {
        return ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), hadoop));
    }

    /** How {@code column} stores its values, or a one-line error saying why it cannot hold features. */
    static FeatureKind featureKind(MessageType schema, String column, String file) {
        Type t = column(schema, column, file);
        String expected = "a list of floats or doubles, or a Spark ML vector";
        if (t.isPrimitive()) {
            if (t.isRepetition(Type.Repetition.REPEATED) && floating(t)) {
                return FeatureKind.REPEATED;
            }
            throw wrongType(file, column, t, expected);
        }
        GroupType g = t.asGroupType();
        if (t.isRepetition(Type.Repetition.REPEATED)) {
            throw wrongType(file, column, t, expected);
        }
        if (g.getFieldCount() == 1 && g.getType(0).isRepetition(Type.Repetition.REPEATED)) {
            Type inner = g.getType(0);
            if (inner.isPrimitive() && floating(inner)) {
                return FeatureKind.TWO_LEVEL;
            }
            if (!inner.isPrimitive() && inner.asGroupType().getFieldCount() == 1
                    && inner.asGroupType().getType(0).isPrimitive() && floating(inner.asGroupType().getType(0))
                    && !inner.asGroupType().getType(0).isRepetition(Type.Repetition.REPEATED)) {
                return FeatureKind.THREE_LEVEL;
            }
        }
        if (g.containsField("type") && g.containsField("values") && vectorValues(g.getType("values"))) {
            return FeatureKind.VECTOR;
        }
        throw wrongType(file, column, t, expected);
    }

    /** True for Spark's {@code values: array<double>} inside a vector struct. */
    private static boolean vectorValues(Type values) {
        if (values.isPrimitive()) {
            return false;
        }
        GroupType list = values.asGroupType();
        if (list.getFieldCount() != 1 || list.getType(0).isPrimitive()) {
            return false;
        }
        GroupType element = list.getType(0).asGroupType();
        return element.getFieldCount() == 1 && element.getType(0).isPrimitive() && floating(element.getType(0));
    }

    /** The label column's primitive type (int32 or int64), or a one-line error. */
    static PrimitiveTypeName labelType(MessageType schema, String column, String file) {
        Type t = column(schema, column, file);
        if (t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)) {
            PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
            if (p == PrimitiveTypeName.INT32 || p == PrimitiveTypeName.INT64) {
                return p;
            }
        }
        throw wrongType(file, column, t, "an integer (int32 or int64) class label");
    }

    private static Type column(MessageType schema, String column, String file) {
        if (!schema.containsField(column)) {
            throw new DataFormatException(file, "no column \"" + column + "\" (columns: "
                    + schema.getFields().stream().map(Type::getName).collect(Collectors.joining(", ")) + ")");
        }
        return schema.getType(column);
    }

    private static boolean floating(Type t) {
        PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
        return p == PrimitiveTypeName.FLOAT || p == PrimitiveTypeName.DOUBLE;
    }

    private static DataFormatException wrongType(String file, String column, Type t, String expected) {
        String shown = t.toString().replaceAll("\\s+", " ").trim();
        return new DataFormatException(file, "column \"" + column + "\" is " + shown + ", expected " + expected);
    }

    private static void features(Group row, FeatureKind kind, Columns c, float[] x, int at, String file,
                                 String where) {
        String col = c.features();
        if (row.getFieldRepetitionCount(col) == 0 && kind != FeatureKind.REPEATED) {
            throw new DataFormatException(file, where + ": column \"" + col + "\" is null");
        }
        switch (kind) {
            case REPEATED -> copy(row, row.getType().getFieldIndex(col), c, x, at, file, where, col);
            case TWO_LEVEL -> copy(row.getGroup(col, 0), 0, c, x, at, file, where, col);
            case THREE_LEVEL -> {
                Group list = row.getGroup(col, 0);
                int n = list.getFieldRepetitionCount(0);
                requireLength(n, c, file, where, col);
                boolean dbl = elementIsDouble(list.getType().getType(0).asGroupType());
                for (int i = 0; i < n; i++) {
                    Group e = list.getGroup(0, i);
                    if (e.getFieldRepetitionCount(0) == 0) {
                        throw new DataFormatException(file, where + ": column \"" + col + "\" has a null at "
                                + "index " + i);
                    }
                    x[at + i] = dbl ? (float) e.getDouble(0, 0) : e.getFloat(0, 0);
                }
            }
            case VECTOR -> vector(row.getGroup(col, 0), c, x, at, file, where);
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private static boolean elementIsDouble(GroupType element) {
        return element.getType(0).asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.DOUBLE;
    }

    /** Copies repeated field {@code field} of {@code g}, floats or doubles. */
    private static void copy(Group g, int field, Columns c, float[] x, int at, String file, String where,
                             String col) {
        int n = g.getFieldRepetitionCount(field);
        requireLength(n, c, file, where, col);
        boolean dbl = g.getType().getType(field).asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.DOUBLE;
        for (int i = 0; i < n; i++) {
            x[at + i] = dbl ? (float) g.getDouble(field, i) : g.getFloat(field, i);
        }
    }

    /** A Spark ML vector: type 1 dense (values), type 0 sparse (size, indices, values). */
    private static void vector(Group v, Columns c, float[] x, int at, String file, String where) {
        String col = c.features();
        double[] values = doubles(v, "values");
        int type = v.getFieldRepetitionCount("type") == 0 ? -1 : v.getInteger("type", 0);
        if (type == 1) {
            requireLength(values.length, c, file, where, col);
            for (int i = 0; i < values.length; i++) {
                x[at + i] = (float) values[i];
            }
        } else if (type == 0) {
            int size = v.getFieldRepetitionCount("size") == 0 ? -1 : v.getInteger("size", 0);
            requireLength(size, c, file, where, col);
            int[] indices = ints(v, "indices");
            if (indices.length != values.length) {
                throw new DataFormatException(file, where + ": column \"" + col + "\" is a sparse vector with "
                        + indices.length + " indices but " + values.length + " values");
            }
            Arrays.fill(x, at, at + c.length(), 0f);
            for (int k = 0; k < indices.length; k++) {
                if (indices[k] < 0 || indices[k] >= size) {
                    throw new DataFormatException(file, where + ": column \"" + col + "\" has index " + indices[k]
                            + " outside [0, " + size + ")");
                }
                x[at + indices[k]] = (float) values[k];
            }
        } else {
            throw new DataFormatException(file, where + ": column \"" + col + "\" is a vector of type " + type
                    + " (0 sparse or 1 dense expected)");
        }
    }

    private static double[] doubles(Group v, String field) {
        if (v.getFieldRepetitionCount(field) == 0) {
            return new double[0];
        }
        Group list = v.getGroup(field, 0);
        double[] out = new double[list.getFieldRepetitionCount(0)];
        boolean dbl = elementIsDouble(list.getType().getType(0).asGroupType());
        for (int i = 0; i < out.length; i++) {
            Group e = list.getGroup(0, i);
            out[i] = dbl ? e.getDouble(0, 0) : e.getFloat(0, 0);
        }
        return out;
    }

    private static int[] ints(Group v, String field) {
        if (!v.getType().containsField(field) || v.getFieldRepetitionCount(field) == 0) {
            return new int[0];
        }
        Group list = v.getGroup(field, 0);
        int[] out = new int[list.getFieldRepetitionCount(0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.getGroup(0, i).getInteger(0, 0);
        }
        return out;
    }

    private static void requireLength(int n, Columns c, String file, String where, String col) {
        if (n != c.length()) {
            throw new DataFormatException(file, where + ": column \"" + col + "\" has " + n + " values, "
                    + "data.parquet.shape needs " + c.length());
        }
    }

    private static int label(Group row, boolean int64, Columns c, String file, String where) {
        String col = c.label();
        if (row.getFieldRepetitionCount(col) == 0) {
            throw new DataFormatException(file, where + ": label column \"" + col + "\" is null");
        }
        long v = int64 ? row.getLong(col, 0) : row.getInteger(col, 0);
        if (v < 0 || v >= c.classes()) {
            throw new DataFormatException(file, where + ": label column \"" + col + "\" holds " + v + ", outside [0, "
                    + c.classes() + ") (model.classes = " + c.classes() + ")");
        }
        return (int) v;
    }
}
