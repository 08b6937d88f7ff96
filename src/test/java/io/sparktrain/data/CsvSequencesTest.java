package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** CSV sequences: both layouts, variable lengths padded and masked, and every kind of bad input named by line. */
class CsvSequencesTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path dir;

    private static CsvSequences.Format format(CsvSequences.Layout layout, SequenceSet.Labels labels) {
        return new CsvSequences.Format(layout, false, 0, 3, labels, 100);
    }

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    private String error(CsvSequences.Format format, String location) {
        return assertThrows(DataFormatException.class,
                () -> CsvSequences.read(location, format, 0, HADOOP)).getMessage();
    }

    @Test
    void filesOfDifferentLengthsArePaddedAndMaskedInAMinibatch() throws IOException {
        file("seq/b.csv", "1.5,2,0\n3,4,1\n5,6,2\n");
        file("seq/a.csv", "0.5,-1,2\n");
        file("seq/notes.txt", "not a sequence");
        SequenceSet set = CsvSequences.read(dir.resolve("seq").toString(),
                format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_SEQUENCE), 0, HADOOP);
        assertEquals(2, set.size());
        assertEquals(1, set.length(0), "files are taken in name order: a.csv first");
        assertEquals(3, set.length(1));
        assertEquals(2, set.features());

        DataSet batch = set.minibatch(new int[] {0, 1}, 0, 2);
        assertArrayEquals(new long[] {2, 2, 3}, batch.getFeatures().shape());
        assertArrayEquals(new float[] {1, 0, 0, 1, 1, 1}, batch.getFeaturesMaskArray().data().asFloat());
        // a.csv: one step, label 2 (its last line); b.csv: label 2 as well, from its last line.
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 1}, batch.getLabels().data().asFloat());
        assertEquals(3.0f, batch.getFeatures().getFloat(1, 0, 1)); // b.csv, feature 0, step 1
        assertEquals(0f, batch.getFeatures().getFloat(0, 0, 1), "padding is zero");
    }

    @Test
    void perStepLabelsGiveThreeDimensionalLabelsWithTheFeatureMask() throws IOException {
        file("s/a.csv", "1,0\n2,1\n");
        file("s/b.csv", "1,2\n");
        SequenceSet set = CsvSequences.read(dir.resolve("s").toString(),
                format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_STEP), 0, HADOOP);
        DataSet batch = set.minibatch(new int[] {0, 1}, 0, 2);
        assertArrayEquals(new long[] {2, 3, 2}, batch.getLabels().shape());
        assertArrayEquals(batch.getFeaturesMaskArray().data().asFloat(), batch.getLabelsMaskArray().data().asFloat());
        assertEquals(1f, batch.getLabels().getFloat(0, 1, 1)); // a.csv step 1 is class 1
        assertEquals(1f, batch.getLabels().getFloat(1, 2, 0)); // b.csv step 0 is class 2
    }

    @Test
    void singleFileGroupsRowsBySequenceIdAndOrdersThemByStep() throws IOException {
        Path p = file("all.csv", "id,step,x,label\nu7,1,20,1\nu7,0,10,1\nk2,0,5,0\nu7,2,30,1\n");
        SequenceSet set = CsvSequences.read(p.toString(),
                new CsvSequences.Format(CsvSequences.Layout.SINGLE, true, 1, 3, SequenceSet.Labels.PER_SEQUENCE, 100),
                0, HADOOP);
        assertEquals(2, set.size());
        assertEquals(3, set.length(0), "u7 appears first");
        DataSet batch = set.minibatch(new int[] {0}, 0, 1);
        assertArrayEquals(new float[] {10, 20, 30}, batch.getFeatures().data().asFloat());
        assertEquals(1, set.length(1));
    }

    @Test
    void badCellsAreNamedByFileLineAndColumn() throws IOException {
        CsvSequences.Format f = format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_SEQUENCE);
        file("nan/a.csv", "1,2,0\n3,abc,1\n");
        assertEquals(dir.resolve("nan/a.csv").toUri().getPath() + ": line 2: column 2: \"abc\" is not a number",
                stripScheme(error(f, dir.resolve("nan").toString())));
        file("cols/a.csv", "1,2,0\n3,1\n");
        assertEquals("line 2: 2 columns, expected 3 (2 features, label)", tail(error(f, dir.resolve("cols").toString())));
        file("label/a.csv", "1,2,0\n3,4,7\n");
        assertEquals("line 2: label 7 outside the declared classes [0, 3) (model.classes = 3)",
                tail(error(f, dir.resolve("label").toString())));
        file("empty/a.csv", "");
        assertEquals("no time steps (the file is empty)", tail(error(f, dir.resolve("empty").toString())));
        file("none/readme.txt", "x");
        assertEquals("no .csv files in this directory", tail(error(f, dir.resolve("none").toString())));
        file("mixed/a.csv", "1,2,0\n");
        file("mixed/b.csv", "1,0\n");
        assertEquals("line 1: 1 features, but earlier sequences have 2", tail(error(f, dir.resolve("mixed").toString())));
    }

    @Test
    void sequenceLongerThanTheMaximumIsAnErrorNotCut() throws IOException {
        file("long/a.csv", "1,0\n".repeat(6));
        CsvSequences.Format f = new CsvSequences.Format(CsvSequences.Layout.FILES, false, 1, 3,
                SequenceSet.Labels.PER_SEQUENCE, 5);
        assertEquals("sequence of 6 steps is longer than data.maxSequenceLength = 5",
                tail(error(f, dir.resolve("long").toString())));
    }

    @Test
    void singleFileStepsMustBeUniqueAndWithoutGaps() throws IOException {
        CsvSequences.Format f = new CsvSequences.Format(CsvSequences.Layout.SINGLE, false, 1, 3,
                SequenceSet.Labels.PER_SEQUENCE, 100);
        Path repeat = file("repeat.csv", "a,0,1,0\na,1,2,0\na,1,3,0\n");
        assertEquals("line 3: sequence a step 1 repeats line 2", tail(error(f, repeat.toString())));
        Path gap = file("gap.csv", "a,0,1,0\na,2,2,0\n");
        assertEquals("sequence a has no step 1 (steps must be numbered 0, 1, ... without gaps)",
                tail(error(f, gap.toString())));
    }

    @Test
    void perStepLabelsMustBeOnEveryLineAndPerSequenceOnlyOnTheLast() throws IOException {
        file("gaps/a.csv", "1,\n2,\n3,1\n");
        assertEquals(1, CsvSequences.read(dir.resolve("gaps").toString(),
                format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_SEQUENCE), 0, HADOOP).size());
        assertEquals("line 1: label (column 2) is empty", tail(error(
                format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_STEP), dir.resolve("gaps").toString())));
    }

    private static String stripScheme(String message) {
        return message.replaceFirst("^file:", "");
    }

    /** The message after "FILE: ". */
    private static String tail(String message) {
        return message.substring(message.indexOf(".csv: ") > 0 ? message.indexOf(".csv: ") + 6
                : message.indexOf(": ") + 2);
    }

    @Test
    void onlyPlainDecimalNumbersAreAcceptedAndLongCellsAreQuotedShort() throws IOException {
        CsvSequences.Format f = format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_SEQUENCE);
        file("ok/a.csv", "-1.5,+2e-3,0\n.5,3.,1\n1E2,-0.0e+1,2\n");
        assertArrayEquals(new float[] {-1.5f, 0.002f, 0.5f, 3f, 100f, -0f},
                CsvSequences.read(dir.resolve("ok").toString(), f, 0, HADOOP).values());
        String[] bad = {"2.5d", "1f", "0x1p3", "NaN", "Infinity", "-Infinity", "1e", "", " "};
        for (int i = 0; i < bad.length; i++) {
            String cell = bad[i];
            String row = cell.contains(",") ? "\"" + cell + "\",1,0" : "1," + cell + ",0";
            file("bad" + i + "/a.csv", "1,2,0\n" + row + "\n");
            String e = error(f, dir.resolve("bad" + i).toString());
            assertTrue(e.contains("/bad" + i + "/a.csv: line 2: column "), e);
            assertTrue(e.endsWith("is not a number"), e);
        }
        file("huge/a.csv", "1,2,0\n1,1e99,0\n");
        assertEquals("line 2: column 2: \"1e99\" is outside the range of a 32-bit float (about +-3.4e38)",
                tail(error(f, dir.resolve("huge").toString())));
        String long200k = "7".repeat(200_000) + "x";
        file("long/a.csv", "1,2,0\n1," + long200k + ",0\n");
        assertEquals("line 2: column 2: \"" + "7".repeat(40) + "...\" is not a number",
                tail(error(f, dir.resolve("long").toString())));
    }

    @Test
    void aByteOrderMarkIsSkippedAndMalformedUtf8IsNamedByLine() throws IOException {
        CsvSequences.Format f = format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_SEQUENCE);
        Path bom = dir.resolve("bom/a.csv");
        Files.createDirectories(bom.getParent());
        Files.write(bom, "\uFEFF0.3865,1,0\n2,3,1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertArrayEquals(new float[] {0.3865f, 1, 2, 3},
                CsvSequences.read(dir.resolve("bom").toString(), f, 0, HADOOP).values());
        Path latin1 = dir.resolve("latin1/a.csv");
        Files.createDirectories(latin1.getParent());
        Files.write(latin1, new byte[] {'1', ',', '2', ',', '0', '\n', '1', ',', '2', ',', '0', ' ', (byte) 0xe9, '\n'});
        assertEquals("line 2: not UTF-8 (malformed byte sequence); save the file as UTF-8",
                tail(error(f, dir.resolve("latin1").toString())));
    }

    @Test
    void anEndlessFileStopsAtTheLineCapAndAHeaderOnlyFileIsNamed() throws IOException {
        CsvSequences.Format f = format(CsvSequences.Layout.FILES, SequenceSet.Labels.PER_SEQUENCE);
        Files.createDirectories(dir.resolve("zero"));
        Files.createSymbolicLink(dir.resolve("zero/a.csv"), Path.of("/dev/zero"));
        assertEquals("line 1 is longer than 16777216 characters (not a line-oriented text file?)",
                tail(error(f, dir.resolve("zero").toString())));
        CsvSequences.Format headed = new CsvSequences.Format(CsvSequences.Layout.SINGLE, true, 0, 3,
                SequenceSet.Labels.PER_SEQUENCE, 100);
        file("h/train.csv", "id,step,x,label\n");
        assertEquals("no time steps (the file is empty or holds only its header line)",
                tail(error(headed, dir.resolve("h/train.csv").toString())));
        Files.createDirectories(dir.resolve("nothing"));
        assertEquals("no .csv files in this directory", tail(error(f, dir.resolve("nothing").toString())));
    }
}
