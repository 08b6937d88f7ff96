package io.sparktrain.cli.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Makes fuzz case {@code N} of a seed: copies the {@link Corpus} into the case's folder, then mutates one file (or
 * folder) of one job: truncations, bit flips, garbage, huge or negative declared sizes and wrong magic in IDX
 * headers, gzip damage, non-UTF-8 bytes, BOMs, CRLF, NaN/Inf/1e99/Java-literal cells, labels out of range, wrong
 * column counts and dimensions, empty files, lines of megabytes, deep HOCON nesting, unknown keys, wrong types and
 * negative sizes in job files. The first {@code childCases} case numbers are a fixed list of inputs that could
 * exhaust memory or the stack (declared sizes of gigabytes, {@code /dev/zero} as a file, 5,000 nesting levels), run
 * in a JVM of their own.
 *
 * <p>A case is a pure function of (seed, number): its random generator is seeded with both, and the corpus is
 * fixed.
 */
public final class Mutations {

    /** Bytes of a "very long line". */
    static final int LONG_LINE = 3 << 20;
    /** Levels of a "deep nesting". */
    static final int DEPTH = 5000;
    /** The fixed child-JVM cases. */
    public static final int CHILD_KINDS = 10;

    private final Random random;
    private final Path root;
    private final int number;

    private Mutations(long seed, int number, Path root) {
        this.random = new Random(seed * 1_000_003L + number * 7919L + 17);
        this.root = root;
        this.number = number;
    }

    /** Writes case {@code number} of {@code seed} into {@code root} (which must not exist yet) and describes it. */
    public static FuzzCase make(long seed, int number, int childCases, Path root) throws IOException {
        Files.createDirectories(root.resolve("out"));
        Corpus.write(root);
        Mutations m = new Mutations(seed, number, root);
        return number < childCases ? m.childCase(number % CHILD_KINDS) : m.randomCase();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Child-JVM cases: memory and stack.

    private FuzzCase childCase(int kind) throws IOException {
        Corpus.Format f;
        switch (kind) {
            case 0 -> {
                // 2,739,000 x 28 x 28 = 2,147,376,000 bytes declared: just under the reader's 2^31 limit.
                Path p = root.resolve("mnist/train-images-idx3-ubyte");
                setInt(p, 4, 2_739_000);
                return child(Corpus.Format.MNIST, p, "idx.huge-declared",
                        "train images declare 2,739,000 images of 28x28 (2.1 GB) in a 50 KB file", true, true);
            }
            case 1 -> {
                Path p = root.resolve("mnist/train-labels-idx1-ubyte");
                setInt(p, 4, 2_000_000_000);
                Path gz = gzip(p);
                return child(Corpus.Format.MNIST, gz, "idx.huge-declared",
                        "gzipped train labels declare 2,000,000,000 labels (2 GB) in a 100-byte file", true, true);
            }
            case 2 -> {
                Path p = root.resolve("mnist/t10k-images-idx3-ubyte");
                byte[] b = Files.readAllBytes(p);
                ByteBuffer.wrap(b).putInt(4, 1).putInt(8, 46_340).putInt(12, 46_340);
                Files.write(p, b);
                return child(Corpus.Format.SEQ_MNIST, p, "idx.huge-declared",
                        "test images declare 1 image of 46,340 x 46,340 (2.1 GB) in a 25 KB file", true, true);
            }
            case 3 -> {
                Path p = devZero(root.resolve("text.txt"));
                return child(Corpus.Format.TEXT, p, "file.dev-zero", "data.text.file is a link to /dev/zero", true,
                        true);
            }
            case 4 -> {
                Path p = devZero(root.resolve("csv/train/s00.csv"));
                return child(Corpus.Format.CSV_FILES, p, "file.dev-zero", "a training CSV is a link to /dev/zero",
                        true, true);
            }
            case 5 -> {
                Path p = devZero(root.resolve("csv-single/test.csv"));
                return child(Corpus.Format.CSV_SINGLE, p, "file.dev-zero", "test.csv is a link to /dev/zero", true,
                        true);
            }
            case 6 -> {
                f = Corpus.Format.MNIST;
                Path p = devZero(Corpus.jobFile(root, f));
                return child(f, p, "job.dev-zero", "the job file is a link to /dev/zero", true, false);
            }
            case 7 -> {
                f = Corpus.Format.MNIST;
                Path p = Corpus.jobFile(root, f);
                Files.writeString(p, Files.readString(p) + "\n" + deepObject(DEPTH) + "\n");
                return child(f, p, "job.deep-nesting", DEPTH + " nested objects (data { a { a { ... } } })", true,
                        false);
            }
            case 8 -> {
                f = Corpus.Format.CSV_FILES;
                Path p = Corpus.jobFile(root, f);
                Files.writeString(p, Files.readString(p) + "\nmodel.layers = " + "[".repeat(DEPTH)
                        + "]".repeat(DEPTH) + "\n");
                return child(f, p, "job.deep-nesting", DEPTH + " nested arrays in model.layers", true, false);
            }
            default -> {
                f = Corpus.Format.TEXT;
                Path p = Corpus.jobFile(root, f);
                Files.writeString(p, Files.readString(p) + "\nmodel.rnn.units = 1000000\n");
                return child(f, p, "job.huge-size",
                        "model.rnn.units = 1000000 (an LSTM of 4e12 parameters)", false, false);
            }
        }
    }

    private FuzzCase child(Corpus.Format f, Path target, String op, String detail, boolean mustFail,
                           boolean data) {
        return new FuzzCase(number, f, root, root.relativize(target).toString(), op, detail, mustFail, data, true);
    }

    private static Path devZero(Path p) throws IOException {
        Files.delete(p);
        return Files.createSymbolicLink(p, Path.of("/dev/zero"));
    }

    private static String deepObject(int depth) {
        return "data { " + "a { ".repeat(depth) + "b = 1 " + "} ".repeat(depth) + "}";
    }

    // ---------------------------------------------------------------------------------------------------------
    // In-process cases.

    private FuzzCase randomCase() throws IOException {
        Corpus.Format[] formats = Corpus.Format.values();
        Corpus.Format f = formats[random.nextInt(formats.length)];
        if (random.nextInt(100) < 25) {
            return jobCase(f);
        }
        return switch (f) {
            case MNIST, SEQ_MNIST -> idxCase(f);
            case CSV_FILES, CSV_SINGLE -> csvCase(f);
            case TEXT -> textCase();
        };
    }

    private FuzzCase inProcess(Corpus.Format f, Path target, String op, String detail, boolean mustFail,
                               boolean data) {
        return new FuzzCase(number, f, root, root.relativize(target).toString(), op, detail, mustFail, data, false);
    }

    /** A mutation of bytes: what it did and whether the result is invalid whatever the bytes were. */
    private record Applied(byte[] bytes, String op, String detail, boolean mustFail) {
    }

    /** Generic byte damage: truncation, bit flips, garbage, empty, appended bytes; 1 to 3 of them in a row. */
    private Applied damage(byte[] bytes, boolean binary) {
        int rounds = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
        List<String> ops = new ArrayList<>();
        List<String> details = new ArrayList<>();
        int originalLength = bytes.length;
        boolean contentChanged = false;
        for (int i = 0; i < rounds; i++) {
            int kind = random.nextInt(binary ? 5 : 4);
            switch (kind) {
                case 0 -> {
                    int cut = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
                    details.add("truncated to " + cut + " of " + bytes.length + " bytes");
                    ops.add("truncate");
                    bytes = Arrays.copyOf(bytes, cut);
                }
                case 1 -> {
                    int flips = 1 + random.nextInt(8);
                    List<String> at = new ArrayList<>();
                    bytes = bytes.clone();
                    for (int k = 0; k < flips && bytes.length > 0; k++) {
                        int pos = random.nextInt(bytes.length);
                        int bit = random.nextInt(8);
                        bytes[pos] ^= (byte) (1 << bit);
                        at.add(pos + ":" + bit);
                    }
                    details.add(flips + " bit flips at byte:bit " + at);
                    ops.add("bitflip");
                    contentChanged = true;
                }
                case 2 -> {
                    if (bytes.length == 0) {
                        details.add("garbage into an empty file: nothing");
                        ops.add("garbage");
                        break;
                    }
                    int from = random.nextInt(bytes.length);
                    int len = Math.min(bytes.length - from, 1 + random.nextInt(64));
                    bytes = bytes.clone();
                    for (int k = 0; k < len; k++) {
                        bytes[from + k] = (byte) random.nextInt(256);
                    }
                    details.add(len + " random bytes at " + from);
                    ops.add("garbage");
                    contentChanged = true;
                }
                case 3 -> {
                    details.add("emptied (" + bytes.length + " bytes before)");
                    ops.add("empty");
                    bytes = new byte[0];
                }
                default -> {
                    int n = 1 + random.nextInt(100);
                    byte[] more = new byte[n];
                    random.nextBytes(more);
                    byte[] joined = Arrays.copyOf(bytes, bytes.length + n);
                    System.arraycopy(more, 0, joined, bytes.length, n);
                    details.add(n + " random bytes appended");
                    ops.add("append");
                    bytes = joined;
                }
            }
        }
        // An empty file is an error in every format. An uncompressed IDX file's length is fixed by its header, so
        // one cut or lengthened with the header intact is an error; bit flips or garbage could have changed it.
        boolean mustFail = bytes.length == 0 || binary && !contentChanged && bytes.length != originalLength;
        return new Applied(bytes, String.join("+", ops), String.join("; ", details), mustFail);
    }

    // IDX ----------------------------------------------------------------------------------------------------

    private static final int[] HEADER_VALUES = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x7ffffff7, 1 << 16,
        1 << 24, 255, 27, 29, 65, 63, 31, 33, 1, 2, 784, -64};

    private FuzzCase idxCase(Corpus.Format f) throws IOException {
        List<Path> files = Corpus.dataFiles(root, f);
        Path p = files.get(random.nextInt(files.size()));
        boolean labels = p.getFileName().toString().contains("labels");
        boolean test = p.getFileName().toString().startsWith("t10k");
        byte[] b = Files.readAllBytes(p);
        int kind = random.nextInt(12);
        String op;
        String detail;
        boolean mustFail = true;
        switch (kind) {
            case 0, 1 -> {
                // A header field (magic, count or a dimension) set to a boundary value; allocations stay below
                // 256 MB here (the gigabyte declarations run in a child JVM).
                int rank = labels ? 1 : 3;
                int field = random.nextInt(rank + 1);
                int old = ByteBuffer.wrap(b).getInt(field * 4);
                int value;
                do {
                    value = HEADER_VALUES[random.nextInt(HEADER_VALUES.length)];
                } while (value == old || declaredBytes(b, rank, field, value) > (1L << 28)
                        && declaredBytes(b, rank, field, value) <= Integer.MAX_VALUE);
                ByteBuffer.wrap(b).putInt(field * 4, value);
                op = "idx.header";
                detail = (field == 0 ? "magic" : field == 1 ? "count" : "dimension " + (field - 1)) + " " + old
                        + " -> " + value;
            }
            case 2 -> {
                byte[][] magics = {{0x1f, (byte) 0x8b, 8, 0}, {0, 0, 0x0c, 3}, {0, 0, 8, 2}, {8, 3, 0, 0},
                    {'P', 'K', 3, 4}, {'%', 'P', 'D', 'F'}, {(byte) 0x89, 'P', 'N', 'G'}, {0, 0, 8, 0},
                    {0, 0, 0x0d, 1}, {1, 0, 8, 3}};
                byte[] magic = magics[random.nextInt(magics.length)];
                b = b.clone();
                System.arraycopy(magic, 0, b, 0, 4);
                op = "idx.magic";
                detail = "magic bytes " + hex(magic);
            }
            case 3 -> {
                if (labels) {
                    // Past data.testLimit a test label is never read, so only the first 16 count there.
                    int index = random.nextInt(test ? 16 : Corpus.TRAIN);
                    int value = 10 + random.nextInt(246);
                    b[8 + index] = (byte) value;
                    op = "idx.label-range";
                    detail = "label " + index + " = " + value;
                } else {
                    // Same count, other image sides: train and test then disagree, or the network does not fit.
                    int[][] sides = {{27, 28}, {28, 27}, {14, 56}, {1, 784}, {784, 1}, {29, 29}};
                    int[] s = sides[random.nextInt(sides.length)];
                    int count = ByteBuffer.wrap(b).getInt(4);
                    byte[] data = new byte[count * s[0] * s[1]];
                    random.nextBytes(data);
                    b = Corpus.idx(new int[] {count, s[0], s[1]}, data);
                    op = "idx.dims";
                    detail = "images rewritten as " + count + " x " + s[0] + " x " + s[1]
                            + " (the other split stays 28x28)";
                    // Sequential MNIST reads rows as steps: 27 rows of 28 pixels are shorter sequences, still valid.
                    mustFail = !(f == Corpus.Format.SEQ_MNIST && s[1] == Corpus.SIDE);
                }
            }
            case 4 -> {
                // One item fewer than the other file of the pair.
                int rank = labels ? 1 : 3;
                int count = ByteBuffer.wrap(b).getInt(4);
                int item = labels ? 1 : Corpus.SIDE * Corpus.SIDE;
                b = Arrays.copyOf(b, 4 + 4 * rank + (count - 1) * item);
                ByteBuffer.wrap(b).putInt(4, count - 1);
                op = "idx.count-mismatch";
                detail = "rewritten with " + (count - 1) + " items, its pair has " + count;
            }
            case 5 -> {
                Path other = p.resolveSibling(labels ? p.getFileName().toString().replace("labels-idx1", "images-idx3")
                        : p.getFileName().toString().replace("images-idx3", "labels-idx1"));
                b = Files.readAllBytes(other);
                op = "idx.swapped";
                detail = "holds the content of " + other.getFileName();
            }
            case 6 -> {
                b = "0.1,0.2,3\n0.4,0.5,1\n".getBytes(StandardCharsets.US_ASCII);
                op = "idx.not-idx";
                detail = "replaced by CSV text";
            }
            case 7 -> {
                // Gzipped, then the compressed bytes damaged.
                byte[] gz = gzipBytes(b);
                Applied a = damage(gz, true);
                Path gzPath = p.resolveSibling(p.getFileName() + ".gz");
                Files.delete(p);
                Files.write(gzPath, a.bytes());
                return inProcess(f, gzPath, "idx.gzip+" + a.op(), "gzipped (" + gz.length + " bytes), then "
                        + a.detail(), gzDamageMustFail(a, gz), true);
            }
            case 8 -> {
                // Valid content, gzipped twice: after one decompression the magic is gzip's.
                Path gzPath = p.resolveSibling(p.getFileName() + ".gz");
                Files.delete(p);
                Files.write(gzPath, gzipBytes(gzipBytes(b)));
                return inProcess(f, gzPath, "idx.double-gzip", "gzipped twice", true, true);
            }
            case 9 -> {
                Files.delete(p);
                return inProcess(f, p, "file.missing", "deleted", true, true);
            }
            default -> {
                Applied a = damage(b, true);
                b = a.bytes();
                op = "idx." + a.op();
                detail = a.detail();
                mustFail = a.mustFail();
            }
        }
        Files.write(p, b);
        return inProcess(f, p, op, detail, mustFail, true);
    }

    /** Damage to gzip bytes is surely an error when it truncates them or empties the file. */
    private static boolean gzDamageMustFail(Applied a, byte[] original) {
        return a.bytes().length < original.length;
    }

    private static long declaredBytes(byte[] b, int rank, int field, int value) {
        if (field == 0) {
            return 0;
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        long total = 1;
        for (int i = 1; i <= rank; i++) {
            total *= i == field ? value : buf.getInt(i * 4);
        }
        return total;
    }

    // CSV ----------------------------------------------------------------------------------------------------

    /**
     * Feature cells and whether the README makes each an error ("a non-numeric or non-finite cell"). Java's own
     * literals (0x1p3, 2.5d, 1f) are not numbers in a CSV file: Python, R and spreadsheets reject them.
     */
    private static final String[][] CELLS = {{"NaN", "y"}, {"nan", "y"}, {"Infinity", "y"}, {"-Infinity", "y"},
        {"Inf", "y"}, {"1e99", "y"}, {"-1e99", "y"}, {"1e39", "y"}, {"3.4e38", "n"}, {"0x1p3", "y"}, {"2.5d", "y"},
        {"1f", "y"}, {"1e-50", "n"}, {"", "y"}, {" ", "y"}, {"abc", "y"}, {"\u0661\u0662", "y"}, {"1_000", "y"},
        {"+1", "n"}, {"-0", "n"}, {" 7 ", "n"}, {"1e", "y"}, {"--1", "y"}, {"1,5", "y"},
        {"9999999999999999999999", "n"}, {"0,5", "y"}, {"1.5.2", "y"}, {"\"1.0\"", "n"}, {"1;2", "y"},
        {"true", "y"}, {"null", "y"}};
    /** Label cells and whether each is an error (classes = 3, labels are class indices). */
    private static final String[][] LABELS = {{"-1", "y"}, {"3", "y"}, {"10", "y"}, {"2147483648", "y"},
        {"1.0", "y"}, {"a", "y"}, {" 2 ", "n"}, {"+1", "n"}, {"01", "n"}, {"1e0", "y"}, {"0x1", "y"},
        {"NaN", "y"}, {"-2147483648", "y"}, {"255", "y"}};

    private FuzzCase csvCase(Corpus.Format f) throws IOException {
        boolean single = f == Corpus.Format.CSV_SINGLE;
        List<Path> files = Corpus.dataFiles(root, f);
        Path p = files.get(random.nextInt(files.size()));
        String text = Files.readString(p, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        lines.remove(lines.size() - 1); // the empty string after the last newline
        int skip = single ? 2 : 0;
        int kind = random.nextInt(15);
        String op;
        String detail;
        boolean mustFail;
        switch (kind) {
            case 0, 1 -> {
                int line = random.nextInt(lines.size());
                String[] cells = lines.get(line).split(",", -1);
                int column = skip + random.nextInt(Corpus.CSV_FEATURES);
                String[] v = CELLS[random.nextInt(CELLS.length)];
                cells[column] = v[0];
                lines.set(line, String.join(",", cells));
                op = "csv.cell";
                detail = "line " + (line + 1) + " column " + (column + 1) + " = \"" + v[0] + "\"";
                mustFail = v[1].equals("y");
            }
            case 2 -> {
                int line = random.nextInt(lines.size());
                String[] cells = lines.get(line).split(",", -1);
                String[] v = LABELS[random.nextInt(LABELS.length)];
                cells[cells.length - 1] = v[0];
                lines.set(line, String.join(",", cells));
                op = "csv.label";
                detail = "line " + (line + 1) + " label = \"" + v[0] + "\"";
                mustFail = v[1].equals("y");
            }
            case 3 -> {
                int line = random.nextInt(lines.size());
                boolean drop = random.nextBoolean();
                String l = lines.get(line);
                lines.set(line, drop ? l.substring(l.indexOf(',') + 1) : "0.5," + l);
                op = "csv.columns";
                detail = "line " + (line + 1) + (drop ? " lost its first column" : " has an extra column");
                mustFail = true;
            }
            case 4 -> {
                lines.add(0, single ? "id,step,feature_1,feature_2,label" : "feature_1,feature_2,label");
                op = "csv.header";
                detail = "a header line added (data.csv.header = false)";
                mustFail = true;
            }
            case 5 -> {
                int line = random.nextInt(lines.size() + 1);
                String[] blanks = {"", "   ", "\t", ",,", " , , "};
                String blank = blanks[random.nextInt(blanks.length)];
                lines.add(line, blank);
                op = "csv.blank-line";
                detail = "line " + (line + 1) + " = \"" + blank + "\" inserted";
                mustFail = !blank.isBlank();
            }
            case 6 -> {
                // A line of megabytes: one huge number, one huge word, or a million columns.
                int v = random.nextInt(3);
                String big = switch (v) {
                    case 0 -> "1".repeat(LONG_LINE) + ",0.5,1";
                    case 1 -> "x".repeat(LONG_LINE) + ",0.5,1";
                    default -> "0.5,".repeat(LONG_LINE / 4) + "1";
                };
                if (single) {
                    big = "q0,99," + big;
                }
                lines.add(random.nextInt(lines.size() + 1), big);
                op = "csv.long-line";
                detail = "a line of " + big.length() + " characters (" + (v == 0 ? "one huge number"
                        : v == 1 ? "one huge word" : "a million columns") + ")";
                mustFail = true;
            }
            case 7 -> {
                if (single) {
                    return singleStep(f, p, lines);
                }
                // The whole folder of one split: no .csv file left, or an extra empty one, or a stray other file.
                Path dir = p.getParent();
                int v = random.nextInt(3);
                if (v == 0) {
                    try (Stream<Path> s = Files.list(dir)) {
                        for (Path x : s.toList()) {
                            Files.delete(x);
                        }
                    }
                    Files.writeString(dir.resolve("README.txt"), "no data here\n");
                    return inProcess(f, dir, "csv.no-files", "every .csv file of " + dir.getFileName()
                            + "/ removed", true, true);
                } else if (v == 1) {
                    Path empty = Files.createFile(dir.resolve("zz-empty.csv"));
                    return inProcess(f, empty, "csv.empty-file", "an empty .csv file added", true, true);
                } else {
                    byte[] junk = new byte[200];
                    random.nextBytes(junk);
                    Path other = Files.write(dir.resolve("notes.bin"), junk);
                    return inProcess(f, other, "csv.stray-file", "a non-.csv file of random bytes added", false,
                            true);
                }
            }
            case 8 -> {
                if (single) {
                    return singleStep(f, p, lines);
                }
                // Longer than data.maxSequenceLength (10000).
                String first = lines.get(0);
                lines.clear();
                for (int i = 0; i < 10_001; i++) {
                    lines.add(first);
                }
                op = "csv.too-long";
                detail = "a sequence of 10,001 steps";
                mustFail = true;
            }
            default -> {
                byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.ISO_8859_1);
                Applied a = textDamage(bytes, kind - 9);
                Files.write(p, a.bytes());
                return inProcess(f, p, "csv." + a.op(), a.detail(), a.mustFail(), true);
            }
        }
        // UTF-8: the corpus is ASCII, and some cells are not (Arabic-Indic digits).
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return inProcess(f, p, op, detail, mustFail, true);
    }

    /** The single layout's step column: negative, a gap, a repeat, not an integer. */
    private FuzzCase singleStep(Corpus.Format f, Path p, List<String> lines) throws IOException {
        int line = random.nextInt(lines.size());
        String[] cells = lines.get(line).split(",", -1);
        String[] values = {"-1", "99", "1.5", "2147483648", "", "x", "1e1", "DUP"};
        String v = values[random.nextInt(values.length)];
        if (v.equals("DUP")) {
            // The same step as another line of the same sequence.
            String other = cells[1].equals("0") ? "1" : "0";
            v = other;
        }
        cells[1] = v;
        lines.set(line, String.join(",", cells));
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.ISO_8859_1);
        return inProcess(f, p, "csv.step", "line " + (line + 1) + " step = \"" + v + "\"", true, true);
    }

    /**
     * Damage for text-like files (CSV, text, job): generic byte damage, non-UTF-8 bytes, a BOM, CRLF line ends.
     * The non-UTF-8 bytes make a CSV cell or a text invalid; in a job file their effect depends on where they land.
     */
    private Applied textDamage(byte[] bytes, int hint) {
        int kind = Math.floorMod(hint + random.nextInt(5), 5);
        switch (kind) {
            case 0 -> {
                byte[][] bad = {{(byte) 0xff}, {(byte) 0xc3, 0x28}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                    {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                    {(byte) 0xe2, (byte) 0x82}, {(byte) 0xfe, (byte) 0xff}};
                byte[] ins = bad[random.nextInt(bad.length)];
                int at = random.nextInt(bytes.length + 1);
                return new Applied(insert(bytes, at, ins), "non-utf8", "bytes " + hex(ins) + " inserted at " + at,
                        true);
            }
            case 1 -> {
                return new Applied(insert(bytes, 0, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}), "bom",
                        "UTF-8 byte order mark prepended", false);
            }
            case 2 -> {
                String s = new String(bytes, StandardCharsets.ISO_8859_1).replace("\n", "\r\n");
                return new Applied(s.getBytes(StandardCharsets.ISO_8859_1), "crlf", "CRLF line ends", false);
            }
            default -> {
                return damage(bytes, false);
            }
        }
    }

    // Text ---------------------------------------------------------------------------------------------------

    private FuzzCase textCase() throws IOException {
        Path p = root.resolve("text.txt");
        byte[] b = Files.readAllBytes(p);
        int kind = random.nextInt(8);
        switch (kind) {
            case 0 -> {
                int n = random.nextInt(3);
                String s = n == 0 ? "" : n == 1 ? "a" : "ab";
                Files.writeString(p, s);
                return inProcess(Corpus.Format.TEXT, p, "text.tiny", "the text is \"" + s + "\"", true, true);
            }
            case 1 -> {
                // One distinct character: a vocabulary (and a number of classes) of one.
                char c = "a \n".charAt(random.nextInt(3));
                Files.writeString(p, String.valueOf(c).repeat(500 + random.nextInt(3000)));
                return inProcess(Corpus.Format.TEXT, p, "text.one-symbol",
                        "the text repeats one character (" + (int) c + ")", false, true);
            }
            case 2 -> {
                String line = random.nextBoolean() ? "the cat sat. ".repeat(LONG_LINE / 13)
                        : "x".repeat(LONG_LINE);
                Files.write(p, insert(b, random.nextInt(b.length + 1), line.getBytes(StandardCharsets.US_ASCII)));
                return inProcess(Corpus.Format.TEXT, p, "text.long-line",
                        "a line of " + line.length() + " characters inserted", false, true);
            }
            case 3 -> {
                byte[] nul = new byte[1 + random.nextInt(20)];
                Files.write(p, insert(b, random.nextInt(b.length + 1), nul));
                return inProcess(Corpus.Format.TEXT, p, "text.nul", nul.length + " NUL bytes inserted", false,
                        true);
            }
            default -> {
                Applied a = textDamage(b, kind);
                Files.write(p, a.bytes());
                return inProcess(Corpus.Format.TEXT, p, "text." + a.op(), a.detail(), a.mustFail(), true);
            }
        }
    }

    // Job files ----------------------------------------------------------------------------------------------

    /** {@code key = value} lines appended to a job (the last value of a key wins); every one is invalid. */
    private static final String[] BAD_SETTINGS = {"training.epochs = 0", "training.epochs = -1",
        "training.epochs = \"many\"", "training.epochs = 2147483648", "training.epochs = 1e99",
        "training.epochs = [1]", "training.epochs = null", "training.workers = 0",
        "training.workers = -2", "training.workers = { n = 2 }", "training.batchSizePerWorker = 0",
        "training.batchSizePerWorker = -3", "training.averagingFrequency = 0", "training.evalBatchSize = 0",
        "training.learningRate = -1", "training.learningRate = NaN", "training.learningRate = \"fast\"",
        "training.updater = \"adamw\"", "training.seed = \"x\"", "training.tbpttLength = -1",
        "training.momentum = -0.5", "training.schedule.kind = \"linear\"", "training.clipping.threshold = -1",
        "training.divergence.lossFactor = -1", "data.trainLimit = -5", "data.testLimit = -1",
        "data.maxSequenceLength = 0", "data.maxSequenceLength = -1", "data.format = \"MNIST\"",
        "data.format = \"parquet\"", "data.format = 5", "data.format = [mnist]", "data.dir = \"\"",
        "data.dir = {}", "data.dir = \"/nonexistent/fuzz\"", "data.seqMnist.steps = \"columns\"",
        "data.csv.layout = \"rows\"", "data.csv.header = \"maybe\"", "data.csv.standardize = 2",
        "data.text.window = 0", "data.text.window = -20", "data.text.stride = 0", "data.text.testFraction = 1.0",
        "data.text.testFraction = -0.1", "data.text.testFraction = NaN", "model.classes = 0", "model.classes = -1",
        "model.classes = 1.5", "model.preset = \"resnet\"", "model.output = \"all\"", "model.rnn.units = 0",
        "model.rnn.units = -8", "model.rnn.layers = 0", "model.rnn.dropout = 1.5", "model.rnn.merge = \"mul\"",
        "model.input.features = -1", "model.input.channels = 0", "model.layers = [1, 2]",
        "model.layers = \"conv\"", "checkpoint.keep = 0", "checkpoint.keep = -1", "checkpoint.everyRounds = -1",
        "name = \"a b\"", "name = \"../escape\"", "name = \"\"", "spark.master = 7",
        "data.dir = ${data.text.file}\ndata.text.file = ${data.dir}", "include required(\"no-such.conf\")",
        "name = ${no.such.key}", "training { epochs = 1", "training.epochs = 2.5"};
    /** Settings above that Typesafe Config reads leniently (2.5 as the int 2), so a run may succeed. */
    private static final java.util.Set<String> LENIENT = java.util.Set.of("training.epochs = 2.5");
    private static final String[] UNKNOWN_KEYS = {"trainng.epochs = 2", "data.csv.delimiter = \";\"",
        "model.rnn.unit = 8", "Training.epochs = 1", "data.text.fil = \"x\"", "epochs = 1", "model.layer = []",
        "training.epochs.value = 1", "\"training.epochs\" = 1"};

    /**
     * Whether a setting is read by a job of format {@code f}: only the chosen data format's settings are checked
     * (README, "Configuration"), so a bad value of another format's key is no error there.
     */
    static boolean applies(String setting, Corpus.Format f) {
        boolean text = f == Corpus.Format.TEXT;
        boolean csv = f == Corpus.Format.CSV_FILES || f == Corpus.Format.CSV_SINGLE;
        if (setting.startsWith("data.text.")) {
            return text;
        } else if (setting.startsWith("data.csv.")) {
            return csv;
        } else if (setting.startsWith("data.seqMnist.")) {
            return f == Corpus.Format.SEQ_MNIST;
        } else if (setting.startsWith("data.maxSequenceLength") || setting.startsWith("model.rnn.")
                || setting.startsWith("model.output")) {
            return f != Corpus.Format.MNIST;
        } else if (setting.startsWith("data.trainLimit") || setting.startsWith("data.testLimit")
                || setting.startsWith("data.dir =") || setting.startsWith("model.classes")) {
            return !text;
        } else if (setting.startsWith("model.input.channels")) {
            return f == Corpus.Format.MNIST;
        } else if (setting.startsWith("model.input.features")) {
            return csv || f == Corpus.Format.SEQ_MNIST;
        }
        return true;
    }

    private FuzzCase jobCase(Corpus.Format f) throws IOException {
        Path p = Corpus.jobFile(root, f);
        String job = Files.readString(p);
        int kind = random.nextInt(10);
        switch (kind) {
            case 0, 1, 2 -> {
                String line = BAD_SETTINGS[random.nextInt(BAD_SETTINGS.length)];
                Files.writeString(p, job + line + "\n");
                return inProcess(f, p, "job.bad-value", line.replace("\n", "; "),
                        !LENIENT.contains(line) && applies(line, f), false);
            }
            case 3 -> {
                String line = UNKNOWN_KEYS[random.nextInt(UNKNOWN_KEYS.length)];
                Files.writeString(p, job + line + "\n");
                return inProcess(f, p, "job.unknown-key", line, true, false);
            }
            case 4 -> {
                boolean arrays = random.nextBoolean();
                String deep = arrays ? "model.layers = " + "[".repeat(DEPTH) + "]".repeat(DEPTH) : deepObject(DEPTH);
                Files.writeString(p, job + deep + "\n");
                return inProcess(f, p, "job.deep-nesting", DEPTH + " nested " + (arrays ? "arrays" : "objects"),
                        true, false);
            }
            case 5 -> {
                // A line of megabytes: a comment (harmless) or a value (a message must not echo it whole).
                boolean comment = random.nextBoolean();
                String line = comment ? "# " + "x".repeat(LONG_LINE) : "name = \"" + "n".repeat(LONG_LINE) + "!\"";
                Files.writeString(p, job + line + "\n");
                return inProcess(f, p, "job.long-line", comment ? "a comment of 3 MB" : "name = a 3 MB string",
                        !comment, false);
            }
            default -> {
                Applied a = textDamage(job.getBytes(StandardCharsets.UTF_8), kind);
                Files.write(p, a.bytes());
                // Where damage lands in a job file decides whether it is still a job; only emptying is surely
                // wrong (the defaults then point at data/mnist relative to the working directory).
                return inProcess(f, p, "job." + a.op(), a.detail(), false, false);
            }
        }
    }

    // Helpers ------------------------------------------------------------------------------------------------

    private static void setInt(Path p, int offset, int value) throws IOException {
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).putInt(offset, value);
        Files.write(p, b);
    }

    private static Path gzip(Path p) throws IOException {
        Path gz = p.resolveSibling(p.getFileName() + ".gz");
        Files.write(gz, gzipBytes(Files.readAllBytes(p)));
        Files.delete(p);
        return gz;
    }

    private static byte[] gzipBytes(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] insert(byte[] b, int at, byte[] ins) {
        byte[] r = new byte[b.length + ins.length];
        System.arraycopy(b, 0, r, 0, at);
        System.arraycopy(ins, 0, r, at, ins.length);
        System.arraycopy(b, at, r, at + ins.length, b.length - at);
        return r;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x ", x & 0xff));
        }
        return s.toString().trim();
    }
}
