package io.sparktrain;

import io.sparktrain.data.ExampleSet;
import io.sparktrain.data.Examples;
import io.sparktrain.data.SequenceSet;
import io.sparktrain.data.ExampleSource;
import io.sparktrain.data.Split;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;

/** Small data made inside the tests. */
public final class TestData {
    private TestData() {
    }

    /**
     * {@code n} single-channel {@code size x size} images in {@code classes} classes: each class lights up its own
     * band of rows, plus noise, so a small network can learn it.
     */
    public static ExampleSet images(int n, int classes, int size, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * size * size];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(classes);
            for (int r = 0; r < size; r++) {
                boolean lit = r * classes / size == y[i];
                for (int c = 0; c < size; c++) {
                    x[(i * size + r) * size + c] = (lit ? 0.6f : 0f) + 0.4f * random.nextFloat();
                }
            }
        }
        return new ExampleSet(x, y, new int[] {1, size, size}, classes);
    }

    /** An in-memory source: the split's examples, as made by the test. */
    public record InMemory(Examples train, Examples test) implements ExampleSource {
        @Override
        public Examples load(Split split, Configuration hadoop) {
            return split == Split.TRAIN ? train : test;
        }

        @Override
        public String describe() {
            return "test data";
        }

        @Override
        public java.util.List<String> files(Split split, Configuration hadoop) {
            return java.util.List.of();
        }
    }

    /**
     * {@code n} sequences of {@code features} values per step, lengths drawn from {@code [minLength, maxLength]},
     * in {@code classes} classes that decide the sign of feature 0 at the last step (many-to-one) or at every step
     * (many-to-many: the class of each step).
     */
    public static SequenceSet sequences(int n, int features, int minLength, int maxLength, int classes,
                                        SequenceSet.Labels labels, long seed) {
        Random random = new Random(seed);
        int[] offsets = new int[n + 1];
        for (int i = 0; i < n; i++) {
            offsets[i + 1] = offsets[i] + minLength + random.nextInt(maxLength - minLength + 1);
        }
        int steps = offsets[n];
        float[] values = new float[steps * features];
        int[] y = new int[labels == SequenceSet.Labels.PER_STEP ? steps : n];
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(classes);
            for (int t = offsets[i]; t < offsets[i + 1]; t++) {
                int stepLabel = labels == SequenceSet.Labels.PER_STEP ? random.nextInt(classes) : label;
                for (int f = 0; f < features; f++) {
                    values[t * features + f] = (float) random.nextGaussian() * 0.3f;
                }
                values[t * features] += stepLabel - (classes - 1) / 2f;
                if (labels == SequenceSet.Labels.PER_STEP) {
                    y[t] = stepLabel;
                }
            }
            if (labels == SequenceSet.Labels.PER_SEQUENCE) {
                y[i] = label;
            }
        }
        return SequenceSet.dense(values, features, offsets, y, labels, classes);
    }

    /**
     * An IDX file's bytes: {@code magic}, the dimensions, then {@code dataBytes} bytes counting 0..9 (valid labels),
     * whatever the header declares, so that a test can make headers that lie about the data.
     */
    public static byte[] idx(int magic, int[] dims, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        for (int i = 0; i < dataBytes; i++) {
            out.writeByte(i % 10);
        }
        return bytes.toByteArray();
    }

    /** Writes {@code set} as MNIST-style IDX files ({@code <prefix>-images-idx3-ubyte}, labels) into {@code dir}. */
    public static void writeIdx(Path dir, Split split, ExampleSet set) throws IOException {
        int[] shape = set.exampleShape();
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        DataOutputStream img = new DataOutputStream(images);
        img.writeInt(0x00000803);
        img.writeInt(set.size());
        img.writeInt(shape[1]);
        img.writeInt(shape[2]);
        org.nd4j.linalg.dataset.DataSet all = set.toDataSet();
        float[] pixels = all.getFeatures().ravel().toFloatVector();
        for (float p : pixels) {
            img.writeByte(Math.round(p * 255));
        }
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        DataOutputStream lab = new DataOutputStream(labels);
        lab.writeInt(0x00000801);
        lab.writeInt(set.size());
        for (int i = 0; i < set.size(); i++) {
            lab.writeByte(set.label(i));
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve(split.mnistPrefix() + "-images-idx3-ubyte"), images.toByteArray());
        Files.write(dir.resolve(split.mnistPrefix() + "-labels-idx1-ubyte"), labels.toByteArray());
    }
}
