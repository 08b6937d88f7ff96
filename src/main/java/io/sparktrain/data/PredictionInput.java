package io.sparktrain.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Unlabelled inputs to score, cut into parts that executors read on their own: the driver only lists files and
 * reads headers ({@link #parts}), never the inputs themselves. A part comes back as examples with placeholder
 * labels (class 0) and one id per example.
 */
public sealed interface PredictionInput extends Serializable {

    /** One example's shape: {@code [channels, height, width]} for images, {@code [features]} for sequences. */
    int[] exampleShape();

    /** Up to {@code target} parts covering every input once, in order. */
    List<Part> parts(int target, Configuration hadoop);

    /** The examples of one part and their ids. */
    Batch read(Part part, Configuration hadoop);

    /**
     * A slice of the inputs: examples {@code [from, to)} of {@code files}.
     *
     * @param index the part's position
     * @param files the files it reads
     * @param from first example (for one file holding many)
     * @param to one past the last
     */
    record Part(int index, List<String> files, long from, long to) implements Serializable {
    }

    /**
     * Examples and their ids.
     *
     * @param ids one per example: an index, a file name or a character offset
     * @param examples the inputs, labels all 0
     */
    record Batch(List<String> ids, Examples examples) implements Serializable {
    }

    /**
     * Images of an IDX file (unsigned bytes, scaled to [0, 1] as for training), gzipped or not; ids are 0-based
     * indices in the file.
     *
     * @param file the images file
     * @param dims the file's dimensions, count first
     * @param classes the model's classes (placeholder labels are within them)
     * @param steps null for images; for a sequence model, how the images are read as sequences ({@code rows} or
     *     {@code pixels}, as {@code data.seqMnist.steps})
     */
    record IdxImages(String file, int[] dims, int classes, String steps) implements PredictionInput {

        /**
         * Reads the header of {@code file}: a rank-3 unsigned-byte IDX file.
         *
         * @param steps null, {@code rows} or {@code pixels} (see the record)
         */
        public static IdxImages open(String file, int classes, String steps, Configuration hadoop) {
            try (InputStream in = IdxImages.stream(file, hadoop)) {
                // The same header checks as training's reader, and for a plain file its length against the header,
                // so that executors never allocate what a damaged header claims.
                int[] dims = IdxFile.header(file, 3, new DataInputStream(in));
                if (!file.endsWith(".gz")) {
                    Path path = new Path(file);
                    long length = path.getFileSystem(hadoop).getFileStatus(path).getLen();
                    long declared = (long) dims[0] * dims[1] * dims[2];
                    if (length - 16 != declared) {
                        throw new DataFormatException(file, (length - 16 < declared ? "truncated" : "trailing bytes")
                                + ": header " + Arrays.toString(dims) + " declares " + declared
                                + " bytes of data, the file has " + (length - 16));
                    }
                }
                return new IdxImages(file, dims, classes, steps);
            } catch (java.util.zip.ZipException e) {
                throw new DataFormatException(file, "corrupt or truncated gzip stream (" + e.getMessage() + ")", e);
            } catch (IOException e) {
                throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
            }
        }

        @Override
        public int[] exampleShape() {
            if (steps != null) {
                return new int[] {steps.equals("pixels") ? 1 : dims[2]};
            }
            return new int[] {1, dims[1], dims[2]};
        }

        @Override
        public List<Part> parts(int target, Configuration hadoop) {
            List<Part> parts = new ArrayList<>();
            int n = Math.max(1, Math.min(target, dims[0]));
            for (int p = 0; p < n; p++) {
                parts.add(new Part(p, List.of(file), (long) dims[0] * p / n, (long) dims[0] * (p + 1) / n));
            }
            return parts;
        }

        @Override
        public Batch read(Part part, Configuration hadoop) {
            int size = dims[1] * dims[2];
            int count = (int) (part.to() - part.from());
            byte[] raw = new byte[count * size];
            long offset = 16 + part.from() * size;
            try (InputStream in = stream(file, hadoop)) {
                if (in instanceof FSDataInputStream seekable) {
                    seekable.seek(offset);
                } else {
                    in.skipNBytes(offset);
                }
                new DataInputStream(in).readFully(raw);
            } catch (java.io.EOFException e) {
                throw new DataFormatException(file, file.endsWith(".gz") ? "corrupt or truncated gzip stream ("
                        + e.getMessage() + ")" : "shorter than its header says (" + dims[0] + " images)", e);
            } catch (java.util.zip.ZipException e) {
                throw new DataFormatException(file, "corrupt or truncated gzip stream (" + e.getMessage() + ")", e);
            } catch (IOException e) {
                throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
            }
            float[] x = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                x[i] = (raw[i] & 0xff) / 255f;
            }
            List<String> ids = new ArrayList<>(count);
            for (long i = part.from(); i < part.to(); i++) {
                ids.add(Long.toString(i));
            }
            ExampleSet images = new ExampleSet(x, new int[count], new int[] {1, dims[1], dims[2]}, classes);
            return new Batch(ids, steps == null ? images : SequenceSet.fromImages(images, steps.equals("pixels")));
        }

        private static InputStream stream(String file, Configuration hadoop) throws IOException {
            Path path = new Path(file);
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new DataFormatException(file, "file not found");
            }
            FSDataInputStream in = fs.open(path);
            return file.endsWith(".gz") ? new GZIPInputStream(in) : in;
        }
    }

    /**
     * Sequences in CSV files, one sequence per file, one step per line of {@code features} numbers (a further
     * label column, as in training files, is ignored); ids are file names. Files are split among parts.
     *
     * @param files the files, in name order
     * @param header skip each file's first line
     * @param features values per step
     * @param scaling the training split's standardisation, applied as in training
     * @param classes the model's classes
     */
    record CsvFiles(List<String> files, boolean header, int features, FeatureScaling scaling, int classes)
            implements PredictionInput {

        /** The {@code .csv} files of {@code location} (a folder, read as training reads one), or one file. */
        public static List<String> list(String location, Configuration hadoop) {
            Path path = new Path(location);
            try {
                FileSystem fs = path.getFileSystem(hadoop);
                if (fs.exists(path) && fs.getFileStatus(path).isFile()) {
                    return List.of(fs.makeQualified(path).toString());
                }
            } catch (IOException e) {
                throw new DataFormatException(location, "cannot read: " + e.getMessage(), e);
            }
            return CsvSequences.files(location, CsvSequences.Layout.FILES, hadoop);
        }

        /** Values per step of the first line of the first file (label column excluded when it has one more). */
        public static int firstLineWidth(String file, boolean header, Configuration hadoop) {
            try (Utf8Lines r = Utf8Lines.open(file, hadoop, Utf8Lines.textBudget())) {
                if (header) {
                    r.next();
                }
                String line = r.next();
                if (line == null) {
                    throw new DataFormatException(file, "empty file" + (header ? " (or a header line only)" : ""));
                }
                return line.split(",", -1).length;
            }
        }

        @Override
        public int[] exampleShape() {
            return new int[] {features};
        }

        @Override
        public List<Part> parts(int target, Configuration hadoop) {
            List<Part> parts = new ArrayList<>();
            int n = Math.max(1, Math.min(target, files.size()));
            for (int p = 0; p < n; p++) {
                int from = files.size() * p / n;
                int to = files.size() * (p + 1) / n;
                parts.add(new Part(p, List.copyOf(files.subList(from, to)), 0, to - from));
            }
            return parts;
        }

        @Override
        public Batch read(Part part, Configuration hadoop) {
            List<float[]> steps = new ArrayList<>();
            int[] offsets = new int[part.files().size() + 1];
            List<String> ids = new ArrayList<>();
            long budget = Utf8Lines.textBudget();
            for (int f = 0; f < part.files().size(); f++) {
                String file = part.files().get(f);
                Path path = new Path(file);
                try (Utf8Lines r = Utf8Lines.open(file, hadoop, budget)) {
                    for (String line = r.next(); line != null; line = r.next()) {
                        int lineNo = r.lineNumber();
                        if ((header && lineNo == 1) || line.isBlank()) {
                            continue;
                        }
                        String[] cells = line.split(",", -1);
                        if (cells.length != features && cells.length != features + 1) {
                            throw new DataFormatException(file, "line " + lineNo + ": " + cells.length
                                    + " columns, expected " + features + " (or " + (features + 1) + " with a label)");
                        }
                        float[] step = new float[features];
                        for (int c = 0; c < features; c++) {
                            step[c] = CsvCells.number(file, "line " + lineNo + ", column " + (c + 1), cells[c]);
                        }
                        steps.add(step);
                    }
                    budget -= r.characters();
                }
                if (steps.size() == offsets[f]) {
                    throw new DataFormatException(file, "no steps");
                }
                offsets[f + 1] = steps.size();
                ids.add(path.getName());
            }
            float[] values = new float[steps.size() * features];
            for (int s = 0; s < steps.size(); s++) {
                System.arraycopy(steps.get(s), 0, values, s * features, features);
            }
            SequenceSet set = SequenceSet.dense(values, features, offsets, new int[part.files().size()],
                    SequenceSet.Labels.PER_SEQUENCE, classes);
            return new Batch(ids, scaling.mean().length == 0 ? set : scaling.apply(set));
        }
    }

    /**
     * Windows of a UTF-8 text file, {@code window} characters each, one after the other (the last window may be
     * shorter); ids are character offsets. A character outside the model's vocabulary is an error naming it.
     *
     * @param file the text file
     * @param vocabulary the model's characters
     * @param window characters per window
     * @param windows number of windows in the file
     */
    record TextWindows(String file, Vocabulary vocabulary, int window, int windows) implements PredictionInput {

        /** Reads the file once on the driver to count its windows and check its characters. */
        public static TextWindows open(String file, Vocabulary vocabulary, int window, Configuration hadoop) {
            int[] codes = codes(file, vocabulary, hadoop);
            return new TextWindows(file, vocabulary, window, (codes.length + window - 1) / window);
        }

        @Override
        public int[] exampleShape() {
            return new int[] {vocabulary.size()};
        }

        @Override
        public List<Part> parts(int target, Configuration hadoop) {
            List<Part> parts = new ArrayList<>();
            int n = Math.max(1, Math.min(target, windows));
            for (int p = 0; p < n; p++) {
                parts.add(new Part(p, List.of(file), (long) windows * p / n, (long) windows * (p + 1) / n));
            }
            return parts;
        }

        @Override
        public Batch read(Part part, Configuration hadoop) {
            int[] codes = codes(file, vocabulary, hadoop);
            int from = (int) part.from() * window;
            int to = Math.min(codes.length, (int) part.to() * window);
            int count = (int) (part.to() - part.from());
            int[] offsets = new int[count + 1];
            List<String> ids = new ArrayList<>();
            for (int w = 0; w < count; w++) {
                offsets[w + 1] = Math.min(to - from, (w + 1) * window);
                ids.add(Integer.toString(from + w * window));
            }
            int[] tokens = Arrays.copyOfRange(codes, from, to);
            return new Batch(ids, SequenceSet.tokens(tokens, vocabulary.size(), offsets, new int[count],
                    SequenceSet.Labels.PER_SEQUENCE, vocabulary.size()));
        }

        private static int[] codes(String file, Vocabulary vocabulary, Configuration hadoop) {
            String text = TextCorpus.read(file, hadoop);
            int[] codes = text.codePoints().toArray();
            for (int i = 0; i < codes.length; i++) {
                int index = vocabulary.index(codes[i]);
                if (index < 0) {
                    throw new DataFormatException(file, "character " + new String(Character.toChars(codes[i]))
                            + " at offset " + i + " is not in the model's vocabulary");
                }
                codes[i] = index;
            }
            return codes;
        }
    }
}
