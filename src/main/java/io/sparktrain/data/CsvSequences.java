package io.sparktrain.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labelled sequences in CSV, the format users bring, read through Hadoop. Two layouts:
 * <ul>
 *   <li>{@link Layout#FILES}: a directory of {@code .csv} files, one sequence per file (files taken in name order),
 *       one time step per line: {@code feature_1,...,feature_F,label}.</li>
 *   <li>{@link Layout#SINGLE}: one file, one time step per line: {@code sequence_id,step,feature_1,...,feature_F,label};
 *       steps of a sequence numbered 0, 1, ... in any line order; sequences in order of first appearance.</li>
 * </ul>
 * The label is a class index in {@code [0, classes)}. With one class per sequence it is read from the sequence's
 * last step and may be left empty on the others. Sequences may differ in length; one longer than the maximum is an
 * error, never cut. Every problem names the file and line.
 */
public final class CsvSequences {

    /** How sequences are laid out in files. */
    public enum Layout {
        FILES, SINGLE
    }

    /**
     * What to expect.
     *
     * @param layout the layout
     * @param header whether the first line of each file is a header to skip
     * @param features values per step; 0 takes the count from the first line
     * @param classes number of classes
     * @param labels one class per sequence or per step
     * @param maxLength longest sequence accepted
     */
    public record Format(Layout layout, boolean header, int features, int classes, SequenceSet.Labels labels,
                         int maxLength) implements java.io.Serializable {
    }

    /**
     * Where each sequence of a {@link Layout#SINGLE} file lies, in the order {@link #read} numbers them: bytes
     * {@code [starts[i], ends[i])}, the first on line {@code lines[i]}. Known only when every sequence's lines are
     * contiguous; {@link #none()} otherwise (and for folders), and then a range load reads the whole file.
     *
     * @param starts the byte offset of each sequence's first line
     * @param ends the byte offset just past each sequence's last line
     * @param lines the number of each sequence's first line
     */
    public record Spans(long[] starts, long[] ends, int[] lines) implements java.io.Serializable {

        /** No spans: range loads read the whole file. */
        public static Spans none() {
            return new Spans(new long[0], new long[0], new int[0]);
        }

        /** Whether the spans are known. */
        public boolean known() {
            return starts.length > 0;
        }

        /** The number of sequences. */
        public int count() {
            return starts.length;
        }
    }

    /**
     * Sequences read whole, and where they are.
     *
     * @param sequences the sequences
     * @param spans where each is in a single file, or {@link Spans#none()}
     */
    public record Located(SequenceSet sequences, Spans spans) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(CsvSequences.class);

    private CsvSequences() {
    }

    /** The files a directory ({@link Layout#FILES}) or a file ({@link Layout#SINGLE}) holds, as they are read. */
    public static List<String> files(String location, Layout layout, Configuration hadoop) {
        Path path = new Path(location);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new DataFormatException(location, layout == Layout.FILES ? "no such directory" : "no such file");
            }
            if (layout == Layout.SINGLE) {
                if (fs.getFileStatus(path).isDirectory()) {
                    throw new DataFormatException(location, "is a directory; data.csv.layout = single expects a file");
                }
                return List.of(fs.makeQualified(path).toString());
            }
            List<String> files = new ArrayList<>();
            for (FileStatus s : fs.listStatus(path)) {
                if (s.isFile() && s.getPath().getName().endsWith(".csv")) {
                    files.add(s.getPath().toString());
                }
            }
            if (files.isEmpty()) {
                throw new DataFormatException(location, "no .csv files in this directory");
            }
            files.sort(null);
            return files;
        } catch (IOException e) {
            throw new DataFormatException(location, "cannot list: " + e.getMessage(), e);
        }
    }

    /**
     * Reads and validates the sequences at {@code location}.
     *
     * @param limit keep the first N sequences, 0 = all
     * @throws DataFormatException naming the file and line at fault
     */
    public static SequenceSet read(String location, Format format, int limit, Configuration hadoop) {
        return read(location, format, limit, hadoop, false).sequences();
    }

    /**
     * As {@link #read(String, Format, int, Configuration)}, noting where each sequence of a {@link Layout#SINGLE}
     * file is, so that a range load reads only its sequences' lines; logs why when it cannot (a sequence whose lines
     * are not contiguous).
     */
    public static Located readLocated(String location, Format format, int limit, Configuration hadoop) {
        return read(location, format, limit, hadoop, true);
    }

    private static Located read(String location, Format format, int limit, Configuration hadoop, boolean report) {
        Builder builder = new Builder(format);
        // All files of a split share one bound on the text held, so that a folder of huge files cannot fill the heap.
        long[] budget = {Utf8Lines.textBudget()};
        List<String> files = files(location, format.layout(), hadoop);
        Spans spans = Spans.none();
        if (format.layout() == Layout.FILES) {
            for (String file : files) {
                if (limit > 0 && builder.sequences() >= limit) {
                    break;
                }
                List<Row> rows = rows(file, format, hadoop, 0, budget);
                builder.add(file, rows);
            }
        } else {
            String file = files.get(0);
            List<Row> rows = rows(file, format, hadoop, 2, budget);
            List<int[]> extents = addSequences(file, rows, limit, builder);
            spans = spans(file, rows, extents, report);
        }
        if (builder.sequences() == 0) {
            throw new DataFormatException(location, "no sequences");
        }
        return new Located(builder.build(), spans);
    }

    /**
     * Groups a single file's rows by sequence id (in order of first appearance), validates their steps and adds the
     * first {@code limit} (0 = all) to {@code builder}; returns, for each added one, the positions in {@code rows}
     * of its first and last line and its number of lines.
     */
    private static List<int[]> addSequences(String file, List<Row> rows, int limit, Builder builder) {
        Map<String, Map<Integer, Row>> byId = new LinkedHashMap<>();
        Map<String, int[]> extent = new java.util.HashMap<>();
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            String id = row.cells()[0];
            int step = integer(file, row, 1, "step");
            if (step < 0) {
                throw lineError(file, row, "step " + step + " is negative");
            }
            Row previous = byId.computeIfAbsent(id, k -> new TreeMap<>()).put(step, row);
            if (previous != null) {
                throw lineError(file, row, "sequence " + CsvCells.shorten(id) + " step " + step
                        + " repeats line " + previous.line());
            }
            int at = r;
            extent.computeIfAbsent(id, k -> new int[] {at, at})[1] = r;
        }
        List<int[]> added = new ArrayList<>();
        for (Map.Entry<String, Map<Integer, Row>> e : byId.entrySet()) {
            if (limit > 0 && added.size() >= limit) {
                break;
            }
            List<Row> steps = new ArrayList<>(e.getValue().values());
            int expected = 0;
            for (Map.Entry<Integer, Row> s : e.getValue().entrySet()) {
                if (s.getKey() != expected) {
                    throw new DataFormatException(file, "sequence " + CsvCells.shorten(e.getKey()) + " has no step "
                            + expected
                            + " (steps must be numbered 0, 1, ... without gaps)");
                }
                expected++;
            }
            builder.add(file + " (sequence " + CsvCells.shorten(e.getKey()) + ")", steps);
            int[] x = extent.get(e.getKey());
            added.add(new int[] {x[0], x[1], steps.size()});
        }
        return added;
    }

    /** The byte spans of the sequences, or none (logged when {@code report}) if one's lines are not contiguous. */
    private static Spans spans(String file, List<Row> rows, List<int[]> extents, boolean report) {
        int n = extents.size();
        long[] starts = new long[n];
        long[] ends = new long[n];
        int[] lines = new int[n];
        for (int i = 0; i < n; i++) {
            int[] x = extents.get(i);
            if (x[1] - x[0] + 1 != x[2]) {
                if (report) {
                    LOG.info("{}: sequence {} has lines {} to {} with other sequences' lines among them, so this "
                            + "file's sequences cannot be read by byte range: every executor reads it whole",
                            file, CsvCells.shorten(rows.get(x[0]).cells()[0]), rows.get(x[0]).line(),
                            rows.get(x[1]).line());
                }
                return Spans.none();
            }
            starts[i] = rows.get(x[0]).start();
            ends[i] = rows.get(x[1]).end();
            lines[i] = rows.get(x[0]).line();
        }
        return new Spans(starts, ends, lines);
    }

    /**
     * Reads and validates the sequences in {@code ranges}: of a {@link Layout#FILES} folder, only those files (one
     * sequence each, in name order) are opened; of a {@link Layout#SINGLE} file, only the lines of those sequences
     * when {@code spans} says where they are, else the whole file, keeping the ranges.
     *
     * @throws DataFormatException naming the file and line at fault, or the ranges when there are fewer sequences
     */
    public static SequenceSet read(String location, Format format, IndexRanges ranges, Spans spans,
                                   Configuration hadoop) {
        List<String> files = files(location, format.layout(), hadoop);
        if (format.layout() == Layout.SINGLE && spans.known() && ranges.size() > 0) {
            return readSpans(files.get(0), format, ranges, spans, hadoop);
        }
        if (format.layout() == Layout.SINGLE || ranges.size() == 0) {
            SequenceSet all = read(location, format, format.layout() == Layout.SINGLE ? ranges.limit() : 1, hadoop);
            return all.subset(ranges.indices());
        }
        if (ranges.limit() > files.size()) {
            throw new DataFormatException(location, "sequences " + ranges + " asked of a folder of " + files.size()
                    + " files");
        }
        Builder builder = new Builder(format);
        long[] budget = {Utf8Lines.textBudget()};
        for (int i : ranges.indices()) {
            builder.add(files.get(i), rows(files.get(i), format, hadoop, 0, budget));
        }
        return builder.build();
    }

    /** The sequences in {@code ranges} of a single file, reading each range's lines only. */
    private static SequenceSet readSpans(String file, Format format, IndexRanges ranges, Spans spans,
                                         Configuration hadoop) {
        if (ranges.limit() > spans.count()) {
            throw new DataFormatException(file, "sequences " + ranges + " asked of a file of " + spans.count()
                    + " sequences");
        }
        Builder builder = new Builder(format);
        long[] budget = {Utf8Lines.textBudget()};
        try (FSDataInputStream in = Utf8Lines.openSeekable(file, hadoop)) {
            for (int r = 0; r < ranges.count(); r++) {
                int first = ranges.start(r);
                int last = ranges.end(r) - 1;
                List<Row> rows;
                try (Utf8Lines lines = Utf8Lines.part(file, in, spans.starts()[first], spans.ends()[last], budget[0],
                        spans.lines()[first] - 1)) {
                    rows = rows(file, lines, format, 2, budget);
                }
                int found = addSequences(file, rows, 0, builder).size();
                if (found != last - first + 1) {
                    throw new DataFormatException(file, "line " + spans.lines()[first] + ": " + found
                            + " sequences where the driver read " + (last - first + 1)
                            + "; the file changed while the job ran");
                }
            }
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        return builder.build();
    }

    /**
     * One data line: its number in the file, its cells (leading columns ({@code skip}) included) and its bytes
     * {@code [start, end)}, line break included.
     */
    private record Row(int line, String[] cells, int skip, long start, long end) {
    }

    private static List<Row> rows(String file, Format format, Configuration hadoop, int skip, long[] budget) {
        try (Utf8Lines in = Utf8Lines.open(file, hadoop, budget[0])) {
            return rows(file, in, format, skip, budget);
        }
    }

    private static List<Row> rows(String file, Utf8Lines in, Format format, int skip, long[] budget) {
        List<Row> rows = new ArrayList<>();
        int expected = format.features() > 0 ? skip + format.features() + 1 : -1;
        for (String line = in.next(); line != null; line = in.next()) {
            int lineNo = in.lineNumber();
            if (lineNo == 1 && format.header()) {
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (expected < 0) {
                expected = cells.length;
                if (expected < skip + 2) {
                    throw new DataFormatException(file, "line " + lineNo + ": " + cells.length + " columns; need "
                            + (skip == 2 ? "sequence id, step, " : "") + "at least one feature and a label");
                }
            }
            if (cells.length != expected) {
                throw new DataFormatException(file, "line " + lineNo + ": " + cells.length + " columns, expected "
                        + expected + " (" + (skip == 2 ? "sequence id, step, " : "") + (expected - skip - 1)
                        + " features, label)");
            }
            rows.add(new Row(lineNo, cells, skip, in.lineStart(), in.position()));
        }
        budget[0] -= in.characters();
        if (rows.isEmpty()) {
            throw new DataFormatException(file, "no time steps (the file is empty" + (format.header()
                    ? " or holds only its header line" : "") + ")");
        }
        return rows;
    }

    private static int integer(String file, Row row, int column, String what) {
        String cell = row.cells()[column].trim();
        try {
            return Integer.parseInt(cell);
        } catch (NumberFormatException e) {
            throw lineError(file, row, "column " + (column + 1) + ": " + what + " " + CsvCells.quote(cell) + " is not an integer");
        }
    }

    private static DataFormatException lineError(String file, Row row, String problem) {
        return new DataFormatException(file, "line " + row.line() + ": " + problem);
    }

    /** Collects validated sequences into flat arrays. */
    private static final class Builder {
        private final Format format;
        private int features = -1;
        private float[] values = new float[1024];
        private int steps;
        private final List<Integer> offsets = new ArrayList<>(List.of(0));
        private int[] labels = new int[256];
        private int labelCount;

        Builder(Format format) {
            this.format = format;
        }

        int sequences() {
            return offsets.size() - 1;
        }

        void add(String where, List<Row> rows) {
            if (rows.size() > format.maxLength()) {
                throw new DataFormatException(where, "sequence of " + rows.size() + " steps is longer than "
                        + "data.maxSequenceLength = " + format.maxLength());
            }
            String file = where.contains(" (sequence ") ? where.substring(0, where.indexOf(" (sequence ")) : where;
            for (int r = 0; r < rows.size(); r++) {
                Row row = rows.get(r);
                int f = row.cells().length - row.skip() - 1;
                if (features < 0) {
                    features = f;
                } else if (f != features) {
                    throw lineError(file, row, f + " features, but earlier sequences have " + features);
                }
                values = grow(values, (steps + 1) * features);
                for (int c = 0; c < f; c++) {
                    String cell = row.cells()[row.skip() + c].trim();
                    values[steps * features + c] = CsvCells.number(file, "line " + row.line() + ": column "
                            + (row.skip() + c + 1), cell);
                }
                steps++;
                boolean last = r == rows.size() - 1;
                if (format.labels() == SequenceSet.Labels.PER_STEP || last) {
                    addLabel(label(file, row));
                } else if (!row.cells()[row.cells().length - 1].isBlank()) {
                    label(file, row); // validated even where unused
                }
            }
            offsets.add(steps);
        }

        private int label(String file, Row row) {
            int column = row.cells().length - 1;
            String cell = row.cells()[column].trim();
            if (cell.isEmpty()) {
                throw lineError(file, row, "label (column " + (column + 1) + ") is empty");
            }
            int label;
            try {
                label = Integer.parseInt(cell);
            } catch (NumberFormatException e) {
                throw lineError(file, row, "label (column " + (column + 1) + ") " + CsvCells.quote(cell)
                        + " is not a class index");
            }
            if (label < 0 || label >= format.classes()) {
                throw lineError(file, row, "label " + label + " outside the declared classes [0, " + format.classes()
                        + ") (model.classes = " + format.classes() + ")");
            }
            return label;
        }

        private void addLabel(int label) {
            labels = grow(labels, labelCount + 1);
            labels[labelCount++] = label;
        }

        SequenceSet build() {
            int[] off = offsets.stream().mapToInt(Integer::intValue).toArray();
            return SequenceSet.dense(Arrays.copyOf(values, steps * features), features, off,
                    Arrays.copyOf(labels, labelCount), format.labels(), format.classes());
        }

        private static float[] grow(float[] a, int needed) {
            return needed <= a.length ? a : Arrays.copyOf(a, Math.max(needed, a.length * 2));
        }

        private static int[] grow(int[] a, int needed) {
            return needed <= a.length ? a : Arrays.copyOf(a, Math.max(needed, a.length * 2));
        }
    }
}
