package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Every format's range load ({@link ExampleSource#load(Split, IndexRanges, Configuration)}) yields exactly the
 * examples the whole split holds at those positions, whichever file, row group or record the ranges start and end
 * in, one range or several (as a dealt shard asks), and
 * {@link ExampleSource#count} gives the split's size without reading it.
 */
class RangeLoadTest {
    @TempDir
    Path tmp;
    private final Configuration hadoop = new Configuration();

    /**
     * The ranges tried: empty, single, at the start, across boundaries, at the end, the whole split, and the
     * shards of plans dealing blocks of the split to 2 and 3 workers.
     */
    private static List<IndexRanges> ranges(int n) {
        List<IndexRanges> all = new java.util.ArrayList<>(List.of(IndexRanges.of(0, 0), IndexRanges.of(0, 1),
                IndexRanges.of(0, n / 3), IndexRanges.of(n / 3, 2 * n / 3 + 1), IndexRanges.of(n - 1, n),
                IndexRanges.of(5, n), IndexRanges.of(0, n), IndexRanges.union(new int[] {n - 2, 1, n / 2},
                        new int[] {n - 1, 3, n / 2 + 2})));
        for (int workers = 2; workers <= 3; workers++) {
            ShardPlan plan = new ShardPlan(n, workers, 4, 11);
            for (int s = 0; s < workers; s++) {
                all.add(plan.ranges(s));
            }
        }
        return all;
    }

    private void assertRangesMatch(ExampleSource source, Split split) {
        Examples all = source.load(split, hadoop);
        assertEquals(all.size(), source.count(split, hadoop));
        for (IndexRanges r : ranges(all.size())) {
            Examples part = source.load(split, r, hadoop);
            assertEquals(r.size(), part.size(), "size of " + r);
            if (part.size() == 0) {
                continue;
            }
            int[] order = IntStream.range(0, part.size()).toArray();
            DataSet got = part.minibatch(order, 0, part.size());
            DataSet want = all.minibatch(r.indices(), 0, part.size());
            assertEquals(want.getFeatures(), got.getFeatures(), "features of " + r);
            assertEquals(want.getLabels(), got.getLabels(), "labels of " + r);
        }
    }

    @Test
    void idxRangesSeekInPlainFilesAndSkipInGzippedOnes() throws IOException {
        Path plain = tmp.resolve("plain");
        TestData.writeIdx(plain, Split.TRAIN, TestData.images(37, 10, 6, 1));
        TestData.writeIdx(plain, Split.TEST, TestData.images(11, 10, 6, 2));
        Path gz = tmp.resolve("gz");
        Files.createDirectories(gz);
        try (var files = Files.list(plain)) {
            for (Path f : files.toList()) {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz.resolve(f.getFileName()
                        + ".gz")))) {
                    out.write(Files.readAllBytes(f));
                }
            }
        }
        for (Path dir : List.of(plain, gz)) {
            assertRangesMatch(new MnistSource(dir.toString(), 0, 0), Split.TRAIN);
            assertRangesMatch(new MnistSource(dir.toString(), 0, 0), Split.TEST);
            assertRangesMatch(new SeqMnistSource(dir.toString(), 0, 0, false), Split.TRAIN);
        }
        assertEquals(20, new MnistSource(plain.toString(), 20, 0).count(Split.TRAIN, hadoop), "limit applied");
        DataFormatException beyond = assertThrows(DataFormatException.class,
                () -> new MnistSource(plain.toString(), 0, 0).load(Split.TRAIN, IndexRanges.of(30, 38), hadoop));
        assertTrue(beyond.getMessage().contains("items [30, 38) asked of a file of 37"), beyond.getMessage());
    }

    /** Ten IDX training examples in {@code name}, with {@code file}'s bytes changed by {@code damage}. */
    private Path damaged(String name, String file, java.util.function.UnaryOperator<byte[]> damage)
            throws IOException {
        Path dir = tmp.resolve(name);
        TestData.writeIdx(dir, Split.TRAIN, TestData.images(10, 10, 6, 1));
        Files.write(dir.resolve(file), damage.apply(Files.readAllBytes(dir.resolve(file))));
        return dir;
    }

    @Test
    void idxRangeOfATruncatedFileNamesIt() throws IOException {
        Path dir = damaged("short", "train-images-idx3-ubyte", b -> java.util.Arrays.copyOf(b, b.length - 3));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new MnistSource(dir.toString(), 0, 0).load(Split.TRAIN, IndexRanges.of(0, 2), hadoop));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte: truncated"), e.getMessage());
    }

    @Test
    void idxLabelOutsideTheDigitsIsNamedWithItsIndexInTheFile() throws IOException {
        Path dir = damaged("label", "train-labels-idx1-ubyte", b -> {
            b[8 + 7] = 12;
            return b;
        });
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new MnistSource(dir.toString(), 0, 0).load(Split.TRAIN, IndexRanges.of(5, 9), hadoop));
        assertTrue(e.getMessage().endsWith("label 12 at index 7 is not a digit 0-9"), e.getMessage());
        DataFormatException driver = assertThrows(DataFormatException.class,
                () -> MnistData.check(dir.toString(), Split.TRAIN, 0, hadoop));
        assertTrue(driver.getMessage().endsWith("label 12 at index 7 is not a digit 0-9"), driver.getMessage());
    }

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message m { required group features (LIST) { repeated group list { required float element; } } "
                    + "required int32 label; }");

    /** Writes rows {@code [first, first + rows)} in row groups of about 100 rows. */
    private static void writeParquet(Path file, int first, int rows, int badRow) throws IOException {
        Files.createDirectories(file.getParent());
        SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withConf(new Configuration()).withType(SCHEMA).withRowGroupSize(1L).build()) {
            for (int i = first; i < first + rows; i++) {
                Group g = f.newGroup();
                Group list = g.addGroup("features");
                for (int k = 0; k < 4; k++) {
                    list.addGroup("list").append("element", i * 10 + k + 0.25f);
                }
                w.write(g.append("label", i == badRow ? 7 : i % 3));
            }
        }
    }

    @Test
    void parquetRangesReadTheRowGroupsTheySpanAcrossFiles() throws IOException {
        Path dir = tmp.resolve("pq");
        writeParquet(dir.resolve("train/part-0.parquet"), 0, 250, -1); // row groups of about 100 rows
        writeParquet(dir.resolve("train/part-1.parquet"), 250, 30, -1);
        writeParquet(dir.resolve("train/part-2.parquet"), 280, 170, -1);
        writeParquet(dir.resolve("test/part-0.parquet"), 0, 9, -1);
        ParquetSource source = new ParquetSource(dir.toString(), new ParquetExamples.Columns("features", "label", 4,
                3), List.of(4), 0, 0);
        assertRangesMatch(source, Split.TRAIN);
        assertRangesMatch(source, Split.TEST);
        ExampleSet mid = (ExampleSet) source.load(Split.TRAIN, IndexRanges.of(240, 300), hadoop);
        assertEquals(240 % 3, mid.label(0));
        assertArrayEquals(new int[] {299 % 3}, new int[] {mid.label(59)});
        assertEquals(400, new ParquetSource(dir.toString(), source.columns(), List.of(4), 400, 0)
                .count(Split.TRAIN, hadoop), "limit applied");
    }

    @Test
    void parquetBadValueOutsideTheRangeIsNotReadAndInsideItIsNamed() throws IOException {
        Path dir = tmp.resolve("pq-bad");
        writeParquet(dir.resolve("train/part-0.parquet"), 0, 300, 250);
        ParquetSource source = new ParquetSource(dir.toString(), new ParquetExamples.Columns("features", "label", 4,
                3), List.of(4), 0, 0);
        assertEquals(100, source.load(Split.TRAIN, IndexRanges.of(0, 100), hadoop).size());
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> source.load(Split.TRAIN, IndexRanges.of(200, 300), hadoop));
        assertTrue(e.getMessage().matches(".*train/part-0\\.parquet: row group \\d+, row \\d+: label column \"label\" "
                + "holds 7, outside \\[0, 3\\).*"), e.getMessage());
    }

    @Test
    void csvFolderRangesOpenOnlyTheirFiles() throws IOException {
        Path dir = tmp.resolve("csv");
        Files.createDirectories(dir.resolve("train"));
        Files.createDirectories(dir.resolve("test"));
        for (int i = 0; i < 9; i++) {
            StringBuilder text = new StringBuilder();
            for (int step = 0; step <= i % 4; step++) {
                text.append(i).append('.').append(step).append(",").append(step).append(",").append(i % 2).append('\n');
            }
            Files.writeString(dir.resolve("train/" + String.format("%03d.csv", i)), text);
            Files.writeString(dir.resolve("test/" + String.format("%03d.csv", i)), text);
        }
        CsvSource source = new CsvSource(dir.toString(), new CsvSequences.Format(CsvSequences.Layout.FILES, false, 2,
                2, SequenceSet.Labels.PER_SEQUENCE, 10), 0, 0, FeatureScaling.NONE);
        assertRangesMatch(source, Split.TRAIN);
        // A damaged file outside the range is not opened.
        Files.writeString(dir.resolve("train/008.csv"), "not,a,number\n");
        assertEquals(3, source.load(Split.TRAIN, IndexRanges.of(2, 5), hadoop).size());
        assertThrows(DataFormatException.class, () -> source.load(Split.TRAIN, IndexRanges.of(6, 9), hadoop));
    }

    /** Text with a byte-order mark, 2-, 3- and 4-byte characters, CRLF and lone CR line ends, no final newline. */
    private Path mixedText(String name, int lines) throws IOException {
        StringBuilder text = new StringBuilder("\uFEFF");
        for (int i = 0; i < lines; i++) {
            text.append("ligne ").append(i).append(" été 漢字").append(i % 3 == 0 ? "\uD83D\uDE00" : "")
                    .append(i % 4 == 0 ? "\r\n" : i % 7 == 0 ? "\r" : "\n");
        }
        text.append("fin");
        Path file = tmp.resolve(name);
        Files.write(file, text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return file;
    }

    @Test
    void textRangesReadFromTheCheckpointsAroundThem() throws IOException {
        Path file = mixedText("mixed.txt", 120);
        String uri = file.toUri().toString();
        TextCorpus.Indexed read = TextCorpus.readIndexed(uri, hadoop, 7);
        assertEquals(TextCorpus.read(uri, hadoop), read.text(), "the indexed read returns the same text");
        assertTrue(read.index().offsets().length > 100, "many checkpoints: " + read.index().offsets().length);
        Vocabulary vocabulary = Vocabulary.of(read.text());
        for (int[] ws : new int[][] {{5, 3}, {4, 6}, {8, 8}, {1, 1}}) {
            TextSource source = new TextSource(uri, vocabulary, ws[0], ws[1], 0.3, read.index());
            assertRangesMatch(source, Split.TRAIN);
            assertRangesMatch(source, Split.TEST);
            assertEquals(source.examples(read.text(), Split.TRAIN).size(), source.count(Split.TRAIN, hadoop));
        }
        // Checkpoints far apart: a range reads from the file's start.
        TextCorpus.Indexed sparse = TextCorpus.readIndexed(uri, hadoop, 1 << 20);
        assertRangesMatch(new TextSource(uri, vocabulary, 5, 3, 0.3, sparse.index()), Split.TRAIN);
    }

    @Test
    void textRangeOverBadUtf8NamesTheSameLineAsTheWholeRead() throws IOException {
        Path file = mixedText("bad.txt", 60);
        String uri = file.toUri().toString();
        TextCorpus.Indexed read = TextCorpus.readIndexed(uri, hadoop, 16);
        TextSource source = new TextSource(uri, Vocabulary.of(read.text()), 8, 8, 0.2, read.index());
        byte[] bytes = Files.readAllBytes(file);
        int at = (int) read.index().offsets()[40] + 1; // inside line 40 * 16 / 25 or so, after the checkpoint
        bytes[at] = (byte) 0xFF;
        Files.write(file, bytes);
        String whole = assertThrows(DataFormatException.class, () -> TextCorpus.read(uri, hadoop)).getMessage();
        int example = 40 * 16 / 8;
        String part = assertThrows(DataFormatException.class,
                () -> source.load(Split.TRAIN, IndexRanges.of(example - 2, example + 2), hadoop)).getMessage();
        assertTrue(whole.contains("not UTF-8"), whole);
        assertEquals(whole, part);
        assertEquals(3, source.load(Split.TRAIN, IndexRanges.of(0, 3), hadoop).size(), "bytes before it read well");
    }

    /**
     * A single CSV file of {@code sequences} sequences of 1 to 4 steps (ids with multi-byte characters), with a
     * header, a byte-order mark, CRLF line ends and blank lines; {@code scattered} interleaves two sequences' lines.
     */
    private Path singleCsv(String name, int sequences, boolean scattered) throws IOException {
        StringBuilder text = new StringBuilder("\uFEFFid,step,a,b,label\r\n");
        for (int i = 0; i < sequences; i++) {
            String id = "séq-漢" + i;
            for (int step = 0; step <= i % 4; step++) {
                text.append(id).append(',').append(step).append(',').append(i).append(".5,").append(step * 0.25)
                        .append(',').append(i % 3).append(i % 5 == 0 ? "\r\n" : "\n");
            }
            if (i % 6 == 0) {
                text.append('\n');
            }
        }
        if (scattered) {
            text.append("séq-漢1,2,1,1,1\n");
        }
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.write(dir.resolve("train.csv"), text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.write(dir.resolve("test.csv"), text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return dir;
    }

    private static final CsvSequences.Format SINGLE = new CsvSequences.Format(CsvSequences.Layout.SINGLE, true, 2,
            3, SequenceSet.Labels.PER_STEP, 10);

    private CsvSource located(Path dir, int trainLimit) {
        CsvSource source = new CsvSource(dir.toString(), SINGLE, trainLimit, 0, FeatureScaling.NONE);
        return source.withSpans(source.loadLocated(Split.TRAIN, hadoop).spans(),
                source.loadLocated(Split.TEST, hadoop).spans());
    }

    @Test
    void singleCsvRangesReadTheirSequencesLinesWhenEachSequenceIsContiguous() throws IOException {
        Path dir = singleCsv("contiguous", 41, false);
        CsvSource source = located(dir, 0);
        assertTrue(source.trainSpans().known(), "contiguous sequences are located");
        assertEquals(41, source.trainSpans().count());
        assertRangesMatch(source, Split.TRAIN);
        assertRangesMatch(source, Split.TEST);
        assertRangesMatch(located(dir, 30), Split.TRAIN);
        assertEquals(30, located(dir, 30).count(Split.TRAIN, hadoop), "limit applied");
        FeatureScaling scaling = FeatureScaling.of(source.load(Split.TRAIN, hadoop));
        assertRangesMatch(source.withScaling(scaling), Split.TRAIN);
    }

    @Test
    void singleCsvWithScatteredSequencesIsReadWholeForRanges() throws IOException {
        Path dir = singleCsv("scattered", 23, true);
        CsvSource source = located(dir, 0);
        assertTrue(!source.trainSpans().known(), "sequence 1's lines are apart");
        assertRangesMatch(source, Split.TRAIN);
        assertEquals(3, source.load(Split.TRAIN, IndexRanges.of(0, 2), hadoop).minibatch(new int[] {0, 1}, 0, 2)
                .getFeatures().size(2), "sequence 1 has its scattered third step");
    }

    @Test
    void singleCsvRangeOverABadValueNamesTheSameLineAsTheWholeRead() throws IOException {
        Path dir = singleCsv("bad", 20, false);
        CsvSource source = located(dir, 0);
        Path file = dir.resolve("train.csv");
        String text = Files.readString(file);
        Files.writeString(file, text.replace("séq-漢13,1,13.5,0.25", "séq-漢13,1,13.5,x.25"));
        String whole = assertThrows(DataFormatException.class, () -> source.load(Split.TRAIN, hadoop)).getMessage();
        String part = assertThrows(DataFormatException.class,
                () -> source.load(Split.TRAIN, IndexRanges.of(12, 15), hadoop)).getMessage();
        assertTrue(whole.matches(".*train\\.csv: line \\d+: column 4.*"), whole);
        assertEquals(whole, part);
        assertEquals(3, source.load(Split.TRAIN, IndexRanges.of(2, 5), hadoop).size(), "other lines read well");
    }
}
