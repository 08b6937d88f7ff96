package io.sparktrain.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Synthetic control charts with a known answer, after the UCI "Synthetic Control Chart Time Series" data (Alcock
 * and Manolopoulos, 1999): 60-step series around m = 30 with noise r * s (r uniform in [-3, 3], s = 2), in six
 * classes:
 * <ol start="0">
 *   <li>normal: m + rs</li>
 *   <li>cyclic: m + rs + a sin(2 pi t / T), a in [10, 15], T in [10, 15]</li>
 *   <li>increasing trend: m + rs + g t, g in [0.2, 0.5]</li>
 *   <li>decreasing trend: m + rs - g t</li>
 *   <li>upward shift: m + rs + x for t >= t3, x in [7.5, 20], t3 in [n/3, 2n/3]</li>
 *   <li>downward shift: m + rs - x for t >= t3</li>
 * </ol>
 * Written in the CSV layout {@code files} ({@link CsvSequences}): {@code train/} and {@code test/}, one series per
 * file, lines {@code value,label}.
 */
public final class ControlCharts {
    /** The six classes, in label order. */
    public static final List<String> CLASSES = List.of("normal", "cyclic", "increasing-trend", "decreasing-trend",
            "upward-shift", "downward-shift");
    /** Steps per series, as in the UCI data. */
    public static final int STEPS = 60;

    private ControlCharts() {
    }

    /** One series of {@code label}'s class. */
    public static double[] series(int label, Random random) {
        double[] y = new double[STEPS];
        double a = 10 + 5 * random.nextDouble();
        double period = 10 + 5 * random.nextDouble();
        double g = 0.2 + 0.3 * random.nextDouble();
        double x = 7.5 + 12.5 * random.nextDouble();
        int t3 = STEPS / 3 + random.nextInt(STEPS / 3 + 1);
        for (int t = 1; t <= STEPS; t++) {
            double v = 30 + (6 * random.nextDouble() - 3) * 2;
            v += switch (label) {
                case 1 -> a * Math.sin(2 * Math.PI * t / period);
                case 2 -> g * t;
                case 3 -> -g * t;
                case 4 -> t >= t3 ? x : 0;
                case 5 -> t >= t3 ? -x : 0;
                default -> 0;
            };
            y[t - 1] = v;
        }
        return y;
    }

    /**
     * Writes {@code trainPerClass} and {@code testPerClass} series of each class, shuffled, into {@code dir}
     * (which must not exist, or be an empty folder, as for a training run's output); everything appears at once,
     * by rename.
     *
     * @throws org.apache.hadoop.fs.FileAlreadyExistsException when {@code dir} holds something already
     */
    public static void write(String dir, int trainPerClass, int testPerClass, long seed, Configuration hadoop)
            throws IOException {
        Path target = new Path(dir);
        FileSystem fs = target.getFileSystem(hadoop);
        if (fs.exists(target)) {
            if (!fs.getFileStatus(target).isDirectory() || fs.listStatus(target).length > 0) {
                throw new FileAlreadyExistsException(dir + " already exists and is not an empty folder");
            }
            fs.delete(target, false); // the rename below needs the name free
        }
        Path staging = new Path(target.getParent(), "." + target.getName() + ".inprogress-" + UUID.randomUUID());
        Random random = new Random(seed);
        try {
            writeSplit(fs, new Path(staging, "train"), trainPerClass, random);
            writeSplit(fs, new Path(staging, "test"), testPerClass, random);
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot rename " + staging + " to " + target);
            }
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }

    private static void writeSplit(FileSystem fs, Path dir, int perClass, Random random) throws IOException {
        int n = perClass * CLASSES.size();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES.size();
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = labels[i];
            labels[i] = labels[j];
            labels[j] = t;
        }
        fs.mkdirs(dir);
        for (int i = 0; i < n; i++) {
            StringBuilder csv = new StringBuilder();
            for (double v : series(labels[i], random)) {
                csv.append(String.format(Locale.ROOT, "%.4f,%d\n", v, labels[i]));
            }
            try (OutputStream out = fs.create(new Path(dir, String.format("%05d.csv", i)), false)) {
                out.write(csv.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
