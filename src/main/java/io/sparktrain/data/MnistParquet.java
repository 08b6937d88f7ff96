package io.sparktrain.data;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes an MNIST IDX directory as Parquet for {@code data.format = parquet}: {@code OUT/train/} and
 * {@code OUT/test/}, rows of {@code features} (a list of floats, the pixels scaled to [0, 1] exactly as
 * {@link MnistData} scales them, row-major {@code [1, rows, cols]}) and {@code label} (int32). The list is the
 * three-level form Spark writes, so {@code spark.read().parquet(...)} sees {@code array<float>} and {@code int}.
 * The training split is cut into {@link #TRAIN_PARTS} files (more for a large one), and each file into row groups
 * that are exactly the blocks of {@link ShardPlan}'s grid, so a worker reads the row groups of its own blocks and
 * nothing else, and the shards are the ones the IDX files give.
 */
public final class MnistParquet {

    /** Files the training split is written as, at most one per block. */
    public static final int TRAIN_PARTS = 4;

    /** Training rows per file at most, when an augmented split needs more than {@link #TRAIN_PARTS} files. */
    public static final int ROWS_PER_PART = 50_000;

    /** Largest shift, in pixels, of an augmented training image ({@link ImageAugmentation}). */
    public static final int AUGMENT_SHIFT = 2;

    /** Largest rotation, in degrees either way, of an augmented training image. */
    public static final double AUGMENT_DEGREES = 12;

    /**
     * What was written.
     *
     * @param trainRows training rows
     * @param testRows test rows
     * @param trainFiles files of the training split
     * @param shape one row's shape, {@code [1, rows, cols]}
     */
    public record Written(int trainRows, int testRows, int trainFiles, int[] shape) {
    }

    private MnistParquet() {
    }

    /** The schema of every file written. */
    public static MessageType schema() {
        return Types.buildMessage()
                .requiredList().requiredElement(PrimitiveTypeName.FLOAT).named("features")
                .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(32, true)).named("label")
                .named("spark_schema");
    }

    /**
     * Reads the IDX pairs in {@code idxDir} and writes them under {@code outDir}, which must not exist (or be an
     * empty folder); everything appears at once, by rename of a staging folder.
     *
     * @throws FileAlreadyExistsException when {@code outDir} holds something already
     * @throws DataFormatException when an IDX file is missing or malformed
     */
    public static Written write(String idxDir, String outDir, Configuration hadoop) throws IOException {
        return write(idxDir, outDir, 0, 0, hadoop);
    }

    /**
     * As {@link #write(String, String, Configuration)}, with the training split grown to {@code trainRows} rows:
     * the IDX training images, then {@code trainRows - n} new ones made from them by {@link ImageAugmentation}
     * (shifts of up to {@value #AUGMENT_SHIFT} pixels, rotations of up to {@value #AUGMENT_DEGREES} degrees), seeded
     * by {@code seed}. {@code trainRows} 0 (or at most the IDX count) writes the IDX training split as it is. The
     * test split is always the IDX test split.
     */
    public static Written write(String idxDir, String outDir, long trainRows, long seed, Configuration hadoop)
            throws IOException {
        if (trainRows < 0 || trainRows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training rows must be in [0, " + Integer.MAX_VALUE + "], got "
                    + trainRows);
        }
        Path target = new Path(outDir);
        FileSystem fs = target.getFileSystem(hadoop);
        if (fs.exists(target)) {
            if (!fs.getFileStatus(target).isDirectory() || fs.listStatus(target).length > 0) {
                throw new FileAlreadyExistsException(outDir + " already exists and is not an empty folder");
            }
        }
        // Read and validate both splits before anything is written.
        MnistData.requireSameImageSize(idxDir, hadoop);
        ExampleSet train = MnistData.load(idxDir, Split.TRAIN, 0, hadoop);
        ExampleSet test = MnistData.load(idxDir, Split.TEST, 0, hadoop);
        Path parent = target.getParent() != null ? target.getParent() : target;
        Path staging = new Path(parent, "." + target.getName() + ".inprogress-" + UUID.randomUUID());
        try {
            int rows = (int) Math.max(trainRows, train.size());
            int blocks = (rows + ShardPlan.blockSize(rows) - 1) / ShardPlan.blockSize(rows);
            int parts = Math.min(Math.max(TRAIN_PARTS, (rows + ROWS_PER_PART - 1) / ROWS_PER_PART), blocks);
            ImageAugmentation augmentation = new ImageAugmentation(train, AUGMENT_SHIFT, AUGMENT_DEGREES, seed);
            writeSplit(rows, train.featureLength(), (i, pixels) -> i < train.size() ? copy(train, i, pixels)
                    : augmentation.image(i - train.size(), pixels), new Path(staging, "train"), parts, hadoop);
            writeSplit(test.size(), test.featureLength(), (i, pixels) -> copy(test, i, pixels),
                    new Path(staging, "test"), 1, hadoop);
            if (fs.exists(target)) {
                fs.delete(target, false); // an empty folder; the rename needs the name free
            }
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot rename " + staging + " to " + target);
            }
            return new Written(rows, test.size(), parts, train.exampleShape());
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }

    /** Row {@code i} of a split being written: fills its pixels, returns its label. */
    private interface RowMaker {
        int row(int i, float[] pixels);
    }

    private static int copy(ExampleSet set, int i, float[] pixels) {
        System.arraycopy(set.features(), i * pixels.length, pixels, 0, pixels.length);
        return set.label(i);
    }

    /**
     * Writes rows {@code [0, rows)} as {@code parts} files of consecutive rows, in order, each file in row groups of
     * {@link ShardPlan#blockSize} rows (the last one of the split may be smaller), files ending on group boundaries.
     */
    private static void writeSplit(int rows, int length, RowMaker maker, Path dir, int parts, Configuration hadoop)
            throws IOException {
        MessageType schema = schema();
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        float[] pixels = new float[length];
        int group = ShardPlan.blockSize(rows);
        int blocks = (rows + group - 1) / group;
        for (int part = 0; part < parts; part++) {
            int from = (int) Math.min(rows, (long) blocks * part / parts * group);
            int to = (int) Math.min(rows, (long) blocks * (part + 1) / parts * group);
            Path file = new Path(dir, String.format("part-%05d.parquet", part));
            // A row group of one byte is full at every size check, and the check runs every {@code group} rows.
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(file).withConf(hadoop).withType(schema)
                    .withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupSize(1L)
                    .withMinRowCountForPageSizeCheck(group).withMaxRowCountForPageSizeCheck(group)
                    .withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
                for (int i = from; i < to; i++) {
                    int label = maker.row(i, pixels);
                    Group row = groups.newGroup();
                    Group list = row.addGroup("features");
                    for (int k = 0; k < length; k++) {
                        list.addGroup("list").append("element", pixels[k]);
                    }
                    row.append("label", label);
                    writer.write(row);
                }
            }
        }
    }
}
