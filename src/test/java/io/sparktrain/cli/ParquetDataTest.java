package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.SparkTestContext;
import io.sparktrain.TestData;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.ImageAugmentation;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.MnistParquet;
import io.sparktrain.data.ParquetExamples;
import io.sparktrain.data.ParquetSource;
import io.sparktrain.data.ShardPlan;
import io.sparktrain.data.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.format = parquet} and {@code make-parquet} through the command line: an IDX pair made into Parquet
 * trains to exactly the IDX run's test accuracy and loss (same examples, same seed); Spark reads what make-parquet
 * writes; a Spark ML vector column written by Spark itself trains to the same result; each bad schema stops before
 * training with exit 3 and one line naming the column (and file, row group, row where they apply).
 */
class ParquetDataTest {
    @TempDir
    static Path tmp;
    private static final CliRun CLI = new CliRun();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRAIN = 256;
    private static final int TEST = 64;
    /** 200 of 256 training rows: the limit ends inside make-parquet's last training file. */
    private static final List<String> SMALL = List.of("--set", "data.trainLimit=200", "--set", "data.testLimit=48",
            "--set", "training.epochs=1", "--set", "training.averagingFrequency=2");

    private static Path idx;
    private static Path parquet;
    private static JsonNode idxTest;

    @BeforeAll
    static void idxRunAndItsParquet() throws IOException {
        idx = Files.createDirectories(tmp.resolve("idx"));
        TestData.writeIdx(idx, Split.TRAIN, TestData.images(TRAIN, 10, 28, 11));
        TestData.writeIdx(idx, Split.TEST, TestData.images(TEST, 10, 28, 12));
        parquet = tmp.resolve("parquet");
        assertEquals(ExitCode.OK, CLI.run("make-parquet", idx.toString(), parquet.toString()), CLI.stderr());
        assertTrue(CLI.stdout().contains("wrote " + TRAIN + " training rows"), CLI.stdout());
        idxTest = train("conf/mnist-cnn.conf", "idx-run", "data.dir=" + idx).path("test");
    }

    /** Trains {@code conf} shrunk by {@link #SMALL}; returns its metrics.json. */
    private static JsonNode train(String conf, String name, String... sets) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", conf));
        args.addAll(SMALL);
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        Path out = tmp.resolve(name);
        args.addAll(List.of("--out", out.toString()));
        assertEquals(ExitCode.OK, CLI.run(args.toArray(String[]::new)), CLI.stderr());
        return JSON.readTree(out.resolve("metrics.json").toFile());
    }

    @Test
    void trainingFromMakeParquetOutputGivesTheIdxRunsAccuracyAndLoss() throws IOException {
        JsonNode metrics = train("conf/mnist-cnn-parquet.conf", "parquet-run", "data.parquet.path=" + parquet);
        assertEquals("parquet", metrics.path("data").path("format").asText(), "read as Parquet, not IDX");
        JsonNode test = metrics.path("test");
        assertEquals(48, test.path("examples").asInt());
        assertEquals(48, idxTest.path("examples").asInt());
        assertEquals(idxTest.path("accuracy").asDouble(), test.path("accuracy").asDouble());
        assertEquals(idxTest.path("loss").asDouble(), test.path("loss").asDouble());
        assertEquals(idxTest.path("confusion"), test.path("confusion"));
        // evaluate --data on a Parquet run takes another Parquet folder (its data.parquet.path): a copy here.
        Path copy = tmp.resolve("parquet-copy");
        try (Stream<Path> all = Files.walk(parquet)) {
            for (Path p : all.toList()) {
                Files.copy(p, copy.resolve(parquet.relativize(p).toString()));
            }
        }
        assertEquals(ExitCode.OK, CLI.run("evaluate", tmp.resolve("parquet-run").toString(), "--data",
                copy.toString()), CLI.stderr());
        String out = CLI.stdout();
        JsonNode evaluated = JSON.readTree(out.substring(out.indexOf('{')));
        assertTrue(evaluated.path("data").asText().contains("parquet-copy"), out);
        assertEquals(test.path("accuracy").asDouble(), evaluated.path("accuracy").asDouble(), out);
        assertEquals(48, evaluated.path("examples").asInt(), out);
    }

    @Test
    void sequenceShapeReadsRowsAsSeqMnistDoes() throws IOException {
        // [28, 28]: 28 steps of 28 pixels, exactly seq-mnist's rows; a small LSTM must land on the same numbers.
        JsonNode fromIdx = train("conf/seq-mnist-lstm.conf", "seq-idx", "data.dir=" + idx, "model.rnn.units=8")
                .path("test");
        JsonNode fromParquet = train("conf/seq-mnist-lstm.conf", "seq-parquet", "data.format=parquet",
                "data.parquet.path=" + parquet, "data.parquet.shape=[28, 28]", "model.rnn.units=8").path("test");
        assertEquals(fromIdx.path("accuracy").asDouble(), fromParquet.path("accuracy").asDouble());
        assertEquals(fromIdx.path("loss").asDouble(), fromParquet.path("loss").asDouble());
    }

    @Test
    void flatShapeFeedsADenseNetworkAsTheImageDoes() throws IOException {
        String layers = "model.layers=[{type = dense, units = 16, activation = relu}, {type = output}]";
        JsonNode fromIdx = train("conf/mnist-cnn.conf", "flat-idx", "data.dir=" + idx, "model.preset=\"\"", layers)
                .path("test");
        JsonNode fromParquet = train("conf/mnist-cnn-parquet.conf", "flat-parquet", "data.parquet.path=" + parquet,
                "data.parquet.shape=[784]", "model.preset=\"\"", layers, "model.input.channels=784",
                "model.input.height=1", "model.input.width=1").path("test");
        assertEquals(fromIdx.path("accuracy").asDouble(), fromParquet.path("accuracy").asDouble());
        assertEquals(fromIdx.path("loss").asDouble(), fromParquet.path("loss").asDouble());
    }

    @Test
    void sparkReadsWhatMakeParquetWritesRowForRow() throws IOException {
        Configuration hadoop = new Configuration();
        // Row groups that are the shard plan's grid blocks (64 rows for 256), one file each for the training split.
        assertEquals(64, ShardPlan.blockSize(TRAIN));
        assertEquals(List.of(64L, 64L, 64L, 64L), rowGroups(parquet.resolve("train"), hadoop));
        assertEquals(List.of(64L), rowGroups(parquet.resolve("test"), hadoop));
        ExampleSet expected = MnistData.load(idx.toString(), Split.TRAIN, 0, hadoop);
        float[] pixels = expected.toDataSet().getFeatures().ravel().toFloatVector();
        List<String> want = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            want.add(expected.label(i) + ":" + Arrays.toString(Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784)));
        }
        SparkSession spark = SparkSession.builder().config(SparkTestContext.conf("local[2]")).getOrCreate();
        try {
            Dataset<Row> rows = spark.read().parquet(parquet.resolve("train").toString());
            // Spark reads every file column as nullable; the elements must be floats.
            assertEquals(DataTypes.createArrayType(DataTypes.FloatType, true),
                    rows.schema().apply("features").dataType());
            assertEquals(DataTypes.IntegerType, rows.schema().apply("label").dataType());
            List<String> got = new ArrayList<>();
            for (Row r : rows.collectAsList()) {
                List<Float> f = r.getList(r.fieldIndex("features"));
                float[] v = new float[f.size()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = f.get(k);
                }
                got.add(r.getInt(r.fieldIndex("label")) + ":" + Arrays.toString(v));
            }
            // Spark may visit the files in any order: compare as multisets.
            want.sort(null);
            got.sort(null);
            assertEquals(want, got);
        } finally {
            spark.stop();
        }
    }

    @Test
    void sparkMlVectorColumnTrainsToTheIdxRunsAccuracyAndLoss() throws IOException {
        Configuration hadoop = new Configuration();
        Path vectors = tmp.resolve("vectors");
        SparkSession spark = SparkSession.builder().config(SparkTestContext.conf("local[2]")).getOrCreate();
        try {
            StructType schema = new StructType().add("pixels", SQLDataTypes.VectorType(), false)
                    .add("digit", DataTypes.IntegerType, false);
            for (Split split : Split.values()) {
                ExampleSet set = MnistData.load(idx.toString(), split, 0, hadoop);
                float[] pixels = set.toDataSet().getFeatures().ravel().toFloatVector();
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < set.size(); i++) {
                    double[] v = new double[784];
                    for (int k = 0; k < v.length; k++) {
                        v[k] = pixels[i * 784 + k];
                    }
                    DenseVector dense = (DenseVector) Vectors.dense(v);
                    // Both forms Spark ML writes: dense, and sparse (type 0, size, indices, values).
                    rows.add(RowFactory.create(i % 2 == 0 ? dense : dense.toSparse(), set.label(i)));
                }
                // One partition keeps the rows in order, as the IDX run reads them.
                spark.createDataFrame(rows, schema).coalesce(1).write()
                        .parquet(vectors.resolve(split == Split.TRAIN ? "train" : "test").toString());
            }
        } finally {
            spark.stop();
        }
        JsonNode metrics = train("conf/mnist-cnn-parquet.conf", "vector-run", "data.parquet.path=" + vectors,
                "data.parquet.features=pixels", "data.parquet.label=digit");
        JsonNode test = metrics.path("test");
        assertEquals(idxTest.path("accuracy").asDouble(), test.path("accuracy").asDouble());
        assertEquals(idxTest.path("loss").asDouble(), test.path("loss").asDouble());
    }

    // --- bad schemas: exit 3, one line, before any training ---

    private static final MessageType GOOD = MessageTypeParser.parseMessageType(
            "message m { required group features (LIST) { repeated group list { required float element; } } "
                    + "required int32 label; }");

    /** A Parquet folder with train/part-0.parquet written by {@code train} and a good test/part-0.parquet. */
    private static Path badSet(String name, MessageType schema, int rows, IntFunction<Group> train)
            throws IOException {
        Path dir = tmp.resolve(name);
        write(dir.resolve("train/part-0.parquet"), schema, rows, train);
        SimpleGroupFactory good = new SimpleGroupFactory(GOOD);
        write(dir.resolve("test/part-0.parquet"), GOOD, 8, i -> row(good, 784, i % 10));
        return dir;
    }

    /** Writes {@code rows} rows in row groups of (about) 100 rows: the writer's smallest check interval. */
    private static void write(Path file, MessageType schema, int rows, IntFunction<Group> row) throws IOException {
        Files.createDirectories(file.getParent());
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withConf(new Configuration()).withType(schema).withRowGroupSize(1L).build()) {
            for (int i = 0; i < rows; i++) {
                w.write(row.apply(i));
            }
        }
    }

    private static Group row(SimpleGroupFactory f, int length, int label) {
        Group g = f.newGroup();
        Group list = g.addGroup("features");
        for (int k = 0; k < length; k++) {
            list.addGroup("list").append("element", 0.5f);
        }
        return g.append("label", label);
    }

    /** Trains on {@code dir}; asserts exit 3, one line, no run folder; returns the line. */
    private static String badData(Path dir) {
        Path out = tmp.resolve("bad-" + dir.getFileName());
        ExitCode code = CLI.run("train", "conf/mnist-cnn-parquet.conf", "--set", "data.parquet.path=" + dir,
                "--out", out.toString());
        String err = CLI.stderr();
        assertEquals(ExitCode.BAD_DATA, code, err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.startsWith("sparktrain: bad data: "), err);
        assertFalse(Files.exists(out), "no run folder");
        return err.strip();
    }

    @Test
    void missingFeatureColumnNamesTheColumnAndFile() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required group pixels (LIST) { repeated group list { required float element; } } "
                        + "required int32 label; }");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        Path dir = badSet("missing", schema, 4, i -> {
            Group g = f.newGroup();
            g.addGroup("pixels").addGroup("list").append("element", 1f);
            return g.append("label", 1);
        });
        String line = badData(dir);
        assertTrue(line.contains("train/part-0.parquet: no column \"features\" (columns: pixels, label)"), line);
    }

    @Test
    void labelOfTheWrongTypeNamesTheColumnAndFile() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required group features (LIST) { repeated group list { required float element; } } "
                        + "required double label; }");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        Path dir = badSet("double-label", schema, 4, i -> {
            Group g = f.newGroup();
            Group list = g.addGroup("features");
            for (int k = 0; k < 784; k++) {
                list.addGroup("list").append("element", 0f);
            }
            return g.append("label", 1.0);
        });
        String line = badData(dir);
        assertTrue(line.matches(".*train/part-0\\.parquet: column \"label\" is required double label, expected an "
                + "integer \\(int32 or int64\\) class label"), line);
    }

    @Test
    void featuresOfTheWrongTypeNameTheColumnAndFile() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required binary features (STRING); required int32 label; }");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        Path dir = badSet("string-features", schema, 4, i -> f.newGroup().append("features", "x").append("label", 1));
        String line = badData(dir);
        assertTrue(line.contains("train/part-0.parquet: column \"features\" is required binary features (STRING), "
                + "expected a list of floats or doubles, or a Spark ML vector"), line);
    }

    @Test
    void featuresOfTheWrongLengthNameTheRowGroupAndRow() throws IOException {
        SimpleGroupFactory f = new SimpleGroupFactory(GOOD);
        int bad = 250;
        Path dir = badSet("short-row", GOOD, 300, i -> row(f, i == bad ? 783 : 784, i % 10));
        // Where row 250 lies, from the file's own footer.
        List<Long> groups = rowGroups(dir.resolve("train"), new Configuration());
        assertTrue(groups.size() > 1, "the test needs several row groups: " + groups);
        int group = 0;
        long first = 0;
        while (first + groups.get(group) <= bad) {
            first += groups.get(group++);
        }
        String line = badData(dir);
        assertTrue(line.endsWith("train/part-0.parquet: row group " + group + ", row " + (bad - first)
                + ": column \"features\" has 783 values, data.parquet.shape needs 784"), line);
    }

    @Test
    void nullLabelNamesTheRow() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message m { required group features (LIST) { repeated group list { required float element; } } "
                        + "optional int32 label; }");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        Path dir = badSet("null-label", schema, 10, i -> {
            Group g = f.newGroup();
            Group list = g.addGroup("features");
            for (int k = 0; k < 784; k++) {
                list.addGroup("list").append("element", 0f);
            }
            return i == 5 ? g : g.append("label", 3);
        });
        String line = badData(dir);
        assertTrue(line.endsWith("train/part-0.parquet: row group 0, row 5: label column \"label\" is null"), line);
    }

    @Test
    void labelOutOfRangeNamesTheRowAndTheClasses() throws IOException {
        SimpleGroupFactory f = new SimpleGroupFactory(GOOD);
        String high = badData(badSet("label-10", GOOD, 10, i -> row(f, 784, i == 7 ? 10 : 1)));
        assertTrue(high.endsWith("train/part-0.parquet: row group 0, row 7: label column \"label\" holds 10, outside "
                + "[0, 10) (model.classes = 10)"), high);
        String negative = badData(badSet("label-negative", GOOD, 10, i -> row(f, 784, i == 2 ? -1 : 1)));
        assertTrue(negative.endsWith("row group 0, row 2: label column \"label\" holds -1, outside [0, 10) "
                + "(model.classes = 10)"), negative);
    }

    @Test
    void shapeThatIsNotTheNetworksInputIsAUsageErrorNamingBoth() {
        Path out = tmp.resolve("bad-shape");
        assertEquals(ExitCode.USAGE, CLI.run("train", "conf/mnist-cnn-parquet.conf", "--set",
                "data.parquet.path=" + parquet, "--set", "data.parquet.shape=[1, 14, 56]", "--out", out.toString()));
        assertTrue(CLI.stderr().contains("model.input is [1, 28, 28] but data.parquet.shape = [1, 14, 56]"),
                CLI.stderr());
        assertEquals(ExitCode.USAGE, CLI.run("train", "conf/mnist-cnn-parquet.conf", "--set",
                "data.parquet.shape=[]", "--out", out.toString()));
        assertTrue(CLI.stderr().contains("data.parquet.shape"), CLI.stderr());
    }

    @Test
    void makeParquetGrowsTheTrainingSplitWithAugmentedCopiesAfterTheOriginals() throws IOException {
        Path grown = tmp.resolve("grown");
        assertEquals(ExitCode.OK, CLI.run("make-parquet", idx.toString(), grown.toString(), "--train-rows", "1000",
                "--seed", "5"), CLI.stderr());
        assertTrue(CLI.stdout().contains("wrote 1000 training rows (4 files) and " + TEST + " test rows"),
                CLI.stdout());
        Configuration hadoop = new Configuration();
        List<Long> groups = rowGroups(grown.resolve("train"), hadoop);
        assertEquals(16, groups.size(), "blocks of 64 rows");
        assertEquals(40L, groups.get(15));
        assertTrue(groups.subList(0, 15).stream().allMatch(g -> g == 64L), groups.toString());
        ExampleSet original = MnistData.load(idx.toString(), Split.TRAIN, 0, hadoop);
        ExampleSet rows = (ExampleSet) new ParquetSource(grown.toString(),
                new ParquetExamples.Columns("features", "label", 784, 10), List.of(1, 28, 28), 0, 0)
                .load(Split.TRAIN, hadoop);
        assertEquals(1000, rows.size());
        float[] x = rows.toDataSet().getFeatures().ravel().toFloatVector();
        assertArrayEquals(original.toDataSet().getFeatures().ravel().toFloatVector(), Arrays.copyOf(x, TRAIN * 784),
                "the originals come first");
        ImageAugmentation same = new ImageAugmentation(original, MnistParquet.AUGMENT_SHIFT,
                MnistParquet.AUGMENT_DEGREES, 5);
        float[] pixels = new float[784];
        for (int i = TRAIN; i < 1000; i += 97) {
            assertEquals(same.image(i - TRAIN, pixels), rows.label(i));
            assertArrayEquals(pixels, Arrays.copyOfRange(x, i * 784, (i + 1) * 784), "row " + i);
        }
        assertEquals(ExitCode.USAGE, CLI.run("make-parquet", idx.toString(), tmp.resolve("g2").toString(),
                "--train-rows", "many"));
        assertTrue(CLI.stderr().contains("--train-rows must be a whole number, got \"many\""), CLI.stderr());
        assertTrue(Files.notExists(tmp.resolve("g2")), "nothing written");
    }

    @Test
    void makeParquetRefusesAnExistingFolderWithExit2() throws IOException {
        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("keep.txt"), "x");
        assertEquals(ExitCode.USAGE, CLI.run("make-parquet", idx.toString(), taken.toString()));
        assertTrue(CLI.stderr().contains("already exists"), CLI.stderr());
        try (Stream<Path> left = Files.list(taken)) {
            assertEquals(List.of(taken.resolve("keep.txt")), left.toList());
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("inprogress")), "no staging left");
        }
    }

    /** Rows per row group of every file in {@code dir}, files in name order. */
    private static List<Long> rowGroups(Path dir, Configuration hadoop) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList()) {
                try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
                        new org.apache.hadoop.fs.Path(p.toUri()), hadoop))) {
                    for (BlockMetaData b : r.getFooter().getBlocks()) {
                        out.add(b.getRowCount());
                    }
                }
            }
        }
        return out;
    }
}
