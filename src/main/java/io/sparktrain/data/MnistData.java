package io.sparktrain.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * MNIST from its four standard IDX files ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally gzipped with a {@code .gz}
 * suffix) in one directory reachable through Hadoop. Pixels are scaled to [0, 1]; examples are shaped
 * {@code [1, rows, cols]}.
 */
public final class MnistData {
    /** MNIST has ten digit classes. */
    public static final int CLASSES = 10;

    private MnistData() {
    }

    /**
     * Loads one split, validating both files and their agreement.
     *
     * @param dir the directory URI
     * @param split which split
     * @param limit keep the first {@code limit} examples; 0 keeps all
     * @param hadoop resolves the file system
     * @throws DataFormatException naming the file at fault
     */
    public static ExampleSet load(String dir, Split split, int limit, Configuration hadoop) {
        java.util.List<String> uris = files(dir, split, hadoop);
        IdxFile images = IdxFile.read(uris.get(0), 3, hadoop);
        IdxFile labels = IdxFile.read(uris.get(1), 1, hadoop);
        return fromIdx(images, labels, limit);
    }

    /**
     * Loads the examples in {@code ranges} of one split, in ascending order, reading only their records of an
     * uncompressed image file ({@link IdxFile#readRanges}); the caller keeps the ranges within the split's (limited)
     * size.
     *
     * @throws DataFormatException naming the file at fault
     */
    public static ExampleSet load(String dir, Split split, IndexRanges ranges, Configuration hadoop) {
        java.util.List<String> uris = files(dir, split, hadoop);
        int[] imageDims = IdxFile.readHeader(uris.get(0), 3, hadoop);
        int[] labelDims = IdxFile.readHeader(uris.get(1), 1, hadoop);
        requireSameCount(uris.get(0), imageDims[0], uris.get(1), labelDims[0]);
        IdxFile images = IdxFile.readRanges(uris.get(0), 3, ranges, hadoop);
        IdxFile labels = IdxFile.readRanges(uris.get(1), 1, ranges, hadoop);
        return examples(images, labels, ranges.size(), i -> ranges.indices()[i]);
    }

    /**
     * What the driver needs of a split without reading its images: the number of examples ({@code limit} applied)
     * and one example's shape, from the headers; the label file (small) is read and every label checked, and an
     * uncompressed image file's length is checked against its header.
     *
     * @return {@code {examples, channels, height, width}}
     * @throws DataFormatException naming the file at fault
     */
    public static int[] check(String dir, Split split, int limit, Configuration hadoop) {
        java.util.List<String> uris = files(dir, split, hadoop);
        // The images' header, and an uncompressed file's length against it, before the labels, as load checks them.
        int[] imageDims = IdxFile.readHeader(uris.get(0), 3, hadoop);
        IdxFile.readRange(uris.get(0), 3, 0, 0, hadoop);
        IdxFile labels = IdxFile.read(uris.get(1), 1, hadoop);
        requireSameCount(uris.get(0), imageDims[0], uris.get(1), labels.count());
        int n = limit > 0 ? Math.min(limit, labels.count()) : labels.count();
        labels(labels, n, i -> i);
        return new int[] {n, 1, imageDims[1], imageDims[2]};
    }

    private static void requireSameCount(String images, int imageCount, String labels, int labelCount) {
        if (imageCount != labelCount) {
            throw new DataFormatException(labels, labelCount + " labels but " + images + " has " + imageCount
                    + " images");
        }
    }

    /**
     * The first {@code n} labels of {@code labels}, each checked to be a digit; {@code indexOf} gives label
     * {@code i}'s index in its file, for messages.
     */
    private static int[] labels(IdxFile labels, int n, java.util.function.IntUnaryOperator indexOf) {
        int[] y = new int[n];
        byte[] rawLabels = labels.data();
        for (int i = 0; i < n; i++) {
            y[i] = rawLabels[i] & 0xff;
            if (y[i] >= CLASSES) {
                throw new DataFormatException(labels.file(), "label " + y[i] + " at index " + indexOf.applyAsInt(i)
                        + " is not a digit 0-9");
            }
        }
        return y;
    }

    /**
     * Checks, from the headers alone, that the test images have the training images' size: a model sized for one
     * cannot score the other, and that must show before training rather than after an epoch.
     *
     * @throws DataFormatException naming the test images file and both sizes
     */
    public static void requireSameImageSize(String dir, Configuration hadoop) {
        String train = files(dir, Split.TRAIN, hadoop).get(0);
        String test = files(dir, Split.TEST, hadoop).get(0);
        int[] a = IdxFile.readHeader(train, 3, hadoop);
        int[] b = IdxFile.readHeader(test, 3, hadoop);
        if (a[1] != b[1] || a[2] != b[2]) {
            throw new DataFormatException(test, "test images are " + b[1] + "x" + b[2] + " pixels but the training "
                    + "images " + train + " are " + a[1] + "x" + a[2]);
        }
    }

    /** The URIs of a split's image and label files in {@code dir}, as {@link #load} would read them. */
    public static java.util.List<String> files(String dir, Split split, Configuration hadoop) {
        return java.util.List.of(locate(dir, split.mnistPrefix() + "-images-idx3-ubyte", hadoop),
                locate(dir, split.mnistPrefix() + "-labels-idx1-ubyte", hadoop));
    }

    /** Combines a validated image file and label file into examples; exposed for tests. */
    static ExampleSet fromIdx(IdxFile images, IdxFile labels, int limit) {
        requireSameCount(images.file(), images.count(), labels.file(), labels.count());
        return examples(images, labels, limit > 0 ? Math.min(limit, images.count()) : images.count(), i -> i);
    }

    /** The first {@code n} images and labels; {@code indexOf} gives example {@code i}'s index in its file. */
    private static ExampleSet examples(IdxFile images, IdxFile labels, int n,
                                       java.util.function.IntUnaryOperator indexOf) {
        int[] y = labels(labels, n, indexOf);
        int pixels = images.itemSize();
        float[] x = new float[n * pixels];
        byte[] rawImages = images.data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (rawImages[i] & 0xff) / 255f;
        }
        return new ExampleSet(x, y, new int[] {1, images.dims()[1], images.dims()[2]}, CLASSES);
    }

    /** The file's URI, preferring the uncompressed name and falling back to {@code .gz}. */
    private static String locate(String dir, String name, Configuration hadoop) {
        String plain = dir.endsWith("/") ? dir + name : dir + "/" + name;
        try {
            Path p = new Path(plain);
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p) && fs.exists(new Path(plain + ".gz"))) {
                return plain + ".gz";
            }
            return plain;
        } catch (java.io.IOException e) {
            throw new DataFormatException(plain, "cannot reach file system: " + e.getMessage(), e);
        }
    }
}
