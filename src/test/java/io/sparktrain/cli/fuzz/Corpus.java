package io.sparktrain.cli.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The valid inputs every fuzz case starts from, small enough that a run on them takes seconds: a 64/32 MNIST-like
 * pair of IDX files per split (28x28, ten classes), CSV sequences in both layouts (2 features, 3 classes), a short
 * text, and one job file per format with tiny settings (1 epoch, small networks). The content is fixed (its own
 * seed), so a case number and the fuzz seed alone decide what a case feeds the command.
 */
public final class Corpus {

    /** The job kinds a case can target; each has its own job file and data. */
    public enum Format {
        MNIST("mnist"), SEQ_MNIST("seq-mnist"), CSV_FILES("csv-files"), CSV_SINGLE("csv-single"), TEXT("text");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        /** A short name for the report. */
        public String label() {
            return label;
        }
    }

    /** Training and test images in the IDX pair; the side of each image. */
    public static final int TRAIN = 64;
    public static final int TEST = 32;
    public static final int SIDE = 28;
    /** CSV: features per step and classes. */
    public static final int CSV_FEATURES = 2;
    public static final int CSV_CLASSES = 3;

    private Corpus() {
    }

    /**
     * Writes the whole corpus under {@code root}: {@code mnist/}, {@code csv/}, {@code csv-single/},
     * {@code text.txt}, {@code jobs/}.
     */
    public static void write(Path root) throws IOException {
        Random random = new Random(20261202L);
        Path mnist = Files.createDirectories(root.resolve("mnist"));
        writeIdxPair(mnist, "train", TRAIN, random);
        writeIdxPair(mnist, "t10k", TEST, random);

        Path csv = root.resolve("csv");
        List<String[]> train = sequences(12, random);
        List<String[]> test = sequences(6, random);
        writeCsvFiles(Files.createDirectories(csv.resolve("train")), train);
        writeCsvFiles(Files.createDirectories(csv.resolve("test")), test);
        Path single = Files.createDirectories(root.resolve("csv-single"));
        Files.writeString(single.resolve("train.csv"), singleLayout(train, random));
        Files.writeString(single.resolve("test.csv"), singleLayout(test, random));

        Files.writeString(root.resolve("text.txt"), text(random));

        Path jobs = Files.createDirectories(root.resolve("jobs"));
        for (Format f : Format.values()) {
            Files.writeString(jobFile(root, f), job(root, f));
        }
    }

    /** The job file of {@code format}. */
    public static Path jobFile(Path root, Format format) {
        return root.resolve("jobs").resolve(format.label() + ".conf");
    }

    /** The data files the job of {@code format} reads, in a stable order. */
    public static List<Path> dataFiles(Path root, Format format) throws IOException {
        return switch (format) {
            case MNIST, SEQ_MNIST -> List.of(root.resolve("mnist/train-images-idx3-ubyte"),
                    root.resolve("mnist/train-labels-idx1-ubyte"), root.resolve("mnist/t10k-images-idx3-ubyte"),
                    root.resolve("mnist/t10k-labels-idx1-ubyte"));
            case CSV_FILES -> {
                List<Path> files = new ArrayList<>();
                for (String split : List.of("train", "test")) {
                    try (Stream<Path> s = Files.list(root.resolve("csv").resolve(split))) {
                        s.sorted().forEach(files::add);
                    }
                }
                yield files;
            }
            case CSV_SINGLE -> List.of(root.resolve("csv-single/train.csv"), root.resolve("csv-single/test.csv"));
            case TEXT -> List.of(root.resolve("text.txt"));
        };
    }

    /** The job text of {@code format}, its data under {@code root}. */
    static String job(Path root, Format format) {
        String training = """
                training {
                  epochs = 1
                  workers = 2
                  batchSizePerWorker = 16
                  averagingFrequency = 2
                  evalBatchSize = 32
                  seed = 14
                }
                """;
        String rnn = "  rnn { units = 8, layers = 1 }\n";
        return switch (format) {
            case MNIST -> "name = \"fuzz-mnist\"\ndata {\n  format = \"mnist\"\n  dir = \"" + uri(root, "mnist")
                    + "\"\n  testLimit = 16\n}\nmodel {\n  preset = \"two-block-cnn\"\n}\n" + training;
            case SEQ_MNIST -> "name = \"fuzz-seq-mnist\"\ndata {\n  format = \"seq-mnist\"\n  dir = \""
                    + uri(root, "mnist") + "\"\n  testLimit = 16\n  seqMnist.steps = \"rows\"\n}\nmodel {\n"
                    + "  preset = \"lstm\"\n  output = \"last\"\n" + rnn + "}\n" + training;
            case CSV_FILES -> "name = \"fuzz-csv\"\ndata {\n  format = \"csv\"\n  dir = \"" + uri(root, "csv")
                    + "\"\n  csv { layout = \"files\", header = false, standardize = true }\n}\nmodel {\n"
                    + "  preset = \"lstm\"\n  output = \"last\"\n  classes = " + CSV_CLASSES + "\n" + rnn + "}\n"
                    + training;
            case CSV_SINGLE -> "name = \"fuzz-csv-single\"\ndata {\n  format = \"csv\"\n  dir = \""
                    + uri(root, "csv-single") + "\"\n  csv { layout = \"single\", header = false, standardize = true }"
                    + "\n}\nmodel {\n  preset = \"lstm\"\n  output = \"sequence\"\n  classes = " + CSV_CLASSES + "\n"
                    + rnn + "}\n" + training;
            case TEXT -> "name = \"fuzz-text\"\ndata {\n  format = \"text\"\n  text {\n    file = \""
                    + uri(root, "text.txt") + "\"\n    window = 20\n    stride = 20\n    testFraction = 0.2\n  }\n}\n"
                    + "model {\n  preset = \"lstm\"\n  output = \"sequence\"\n" + rnn + "}\n" + training;
        };
    }

    private static String uri(Path root, String child) {
        return root.resolve(child).toAbsolutePath().toUri().toString();
    }

    /** Writes {@code prefix-images-idx3-ubyte} and {@code prefix-labels-idx1-ubyte}: {@code n} banded images. */
    private static void writeIdxPair(Path dir, String prefix, int n, Random random) throws IOException {
        int[] labels = new int[n];
        byte[] pixels = new byte[n * SIDE * SIDE];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
            for (int r = 0; r < SIDE; r++) {
                boolean lit = r * 10 / SIDE == labels[i];
                for (int c = 0; c < SIDE; c++) {
                    pixels[(i * SIDE + r) * SIDE + c] = (byte) ((lit ? 150 : 0) + random.nextInt(100));
                }
            }
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), idx(new int[] {n, SIDE, SIDE}, pixels));
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) {
            y[i] = (byte) labels[i];
        }
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), idx(new int[] {n}, y));
    }

    /** An unsigned-byte IDX file: magic {@code 0x0000 08 rank}, the sizes, the bytes. */
    public static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        out.flush();
        return bytes.toByteArray();
    }

    /** Sequences of 3 to 8 steps as CSV lines {@code f1,f2,label}; the class shifts feature 0. */
    private static List<String[]> sequences(int n, Random random) {
        List<String[]> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % CSV_CLASSES;
            int steps = 3 + random.nextInt(6);
            String[] lines = new String[steps];
            for (int t = 0; t < steps; t++) {
                lines[t] = String.format(java.util.Locale.ROOT, "%.4f,%.4f,%d",
                        label - 1 + 0.3 * random.nextGaussian(), 10 + 2 * random.nextGaussian(), label);
            }
            result.add(lines);
        }
        return result;
    }

    private static void writeCsvFiles(Path dir, List<String[]> sequences) throws IOException {
        for (int i = 0; i < sequences.size(); i++) {
            Files.writeString(dir.resolve(String.format("s%02d.csv", i)), String.join("\n", sequences.get(i)) + "\n");
        }
    }

    /** The single layout: {@code id,step,f1,f2,label}, lines shuffled (any order is allowed). */
    private static String singleLayout(List<String[]> sequences, Random random) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            String[] steps = sequences.get(i);
            for (int t = 0; t < steps.length; t++) {
                lines.add("q" + i + "," + t + "," + steps[t]);
            }
        }
        java.util.Collections.shuffle(lines, random);
        return String.join("\n", lines) + "\n";
    }

    /** About 3,000 characters of sentences over a small alphabet, several lines. */
    private static String text(Random random) {
        String[] sentences = {"the cat sat on the mat. ", "a dog ran to the park. ", "we sang a song. ",
            "it is a truth universally acknowledged. "};
        StringBuilder text = new StringBuilder();
        while (text.length() < 3000) {
            text.append(sentences[random.nextInt(sentences.length)]);
            if (random.nextInt(5) == 0) {
                text.append('\n');
            }
        }
        return text.toString();
    }

    /** The bytes as a string, for text mutations (the corpus is ASCII). */
    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
