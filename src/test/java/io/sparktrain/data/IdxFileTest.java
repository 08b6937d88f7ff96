package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path dir;

    private String write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p.toUri().toString();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(raw);
        }
        return bytes.toByteArray();
    }

    @Test
    void readsDimensionsAndBytesOfAnImageFile() throws IOException {
        IdxFile f = IdxFile.read(write("images", TestData.idx(0x803, new int[] {3, 2, 4}, 24)), 3, HADOOP);
        assertArrayEquals(new int[] {3, 2, 4}, f.dims());
        assertEquals(3, f.count());
        assertEquals(8, f.itemSize());
        assertEquals(23 % 10, f.data()[23]);
    }

    @Test
    void gzippedFileIsRecognisedByItsMagicBytesNotItsName() throws IOException {
        byte[] raw = TestData.idx(0x801, new int[] {5}, 5);
        IdxFile plain = IdxFile.read(write("labels", raw), 1, HADOOP);
        IdxFile zipped = IdxFile.read(write("labels-no-suffix", gzip(raw)), 1, HADOOP);
        assertArrayEquals(plain.data(), zipped.data());
    }

    @Test
    void wrongMagicNumberIsRejectedNamingTheFile() throws IOException {
        String uri = write("bad-magic", TestData.idx(0x12345678, new int[] {1}, 1));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 1, HADOOP));
        assertTrue(e.getMessage().startsWith(uri), e.getMessage());
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());
    }

    @Test
    void nonByteElementTypeIsRejected() throws IOException {
        String uri = write("floats", TestData.idx(0x0d01, new int[] {1}, 4));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 1, HADOOP));
        assertTrue(e.getMessage().contains("element type 0x0d"), e.getMessage());
    }

    @Test
    void wrongRankIsRejected() throws IOException {
        String uri = write("labels-as-images", TestData.idx(0x801, new int[] {4}, 4));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 3, HADOOP));
        assertTrue(e.getMessage().contains("rank 1, expected 3"), e.getMessage());
    }

    @Test
    void truncatedDataIsRejectedWithTheCounts() throws IOException {
        String uri = write("short", TestData.idx(0x803, new int[] {10, 28, 28}, 100));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 3, HADOOP));
        assertTrue(e.getMessage().endsWith("truncated: header [10, 28, 28] declares 7840 bytes of data, the file has 100"),
                e.getMessage());
    }

    @Test
    void truncatedHeaderIsRejected() throws IOException {
        byte[] full = TestData.idx(0x803, new int[] {10, 28, 28}, 0);
        String uri = write("header", Arrays.copyOf(full, 9));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 3, HADOOP));
        assertTrue(e.getMessage().contains("truncated header"), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        String uri = write("long", TestData.idx(0x801, new int[] {3}, 5));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 1, HADOOP));
        assertTrue(e.getMessage().contains("trailing bytes"), e.getMessage());
    }

    @Test
    void emptyAndMissingFilesAreRejected() throws IOException {
        String empty = write("empty", new byte[0]);
        assertTrue(assertThrows(DataFormatException.class, () -> IdxFile.read(empty, 1, HADOOP)).getMessage()
                .contains("empty"));
        String missing = dir.resolve("nope").toUri().toString();
        assertTrue(assertThrows(DataFormatException.class, () -> IdxFile.read(missing, 1, HADOOP)).getMessage()
                .contains("file not found"));
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        IdxFile images = IdxFile.read(write("i", TestData.idx(0x803, new int[] {3, 2, 2}, 12)), 3, HADOOP);
        IdxFile labels = IdxFile.read(write("l", TestData.idx(0x801, new int[] {2}, 2)), 1, HADOOP);
        DataFormatException e = assertThrows(DataFormatException.class, () -> MnistData.fromIdx(images, labels, 0));
        assertTrue(e.getMessage().contains("2 labels but"), e.getMessage());
        assertTrue(e.getMessage().contains("has 3 images"), e.getMessage());
    }

    @Test
    void labelOutsideTheTenDigitsIsRejected() throws IOException {
        IdxFile images = IdxFile.read(write("i", TestData.idx(0x803, new int[] {1, 1, 1}, 1)), 3, HADOOP);
        byte[] labelBytes = TestData.idx(0x801, new int[] {1}, 0);
        labelBytes = Arrays.copyOf(labelBytes, labelBytes.length + 1);
        labelBytes[labelBytes.length - 1] = 12;
        IdxFile labels = IdxFile.read(write("l", labelBytes), 1, HADOOP);
        DataFormatException e = assertThrows(DataFormatException.class, () -> MnistData.fromIdx(images, labels, 0));
        assertTrue(e.getMessage().contains("label 12 at index 0"), e.getMessage());
    }

    @Test
    void mnistDirectoryLoadsScaledImagesGzippedOrNot() throws IOException {
        ExampleSet made = TestData.images(20, 10, 28, 1);
        TestData.writeIdx(dir, Split.TRAIN, made);
        Path images = dir.resolve("train-images-idx3-ubyte");
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(Files.readAllBytes(images)));
        Files.delete(images);

        ExampleSet loaded = MnistData.load(dir.toUri().toString(), Split.TRAIN, 15, HADOOP);
        assertEquals(15, loaded.size());
        assertArrayEquals(new int[] {1, 28, 28}, loaded.exampleShape());
        for (int i = 0; i < 15; i++) {
            assertEquals(made.label(i), loaded.label(i));
        }
        float[] a = made.subset(java.util.stream.IntStream.range(0, 15).toArray()).toDataSet().getFeatures().ravel().toFloatVector();
        float[] b = loaded.toDataSet().getFeatures().ravel().toFloatVector();
        assertArrayEquals(a, b, 0.5f / 255);
    }

    /** Bytes this thread allocated while running {@code body}: proves a reader did not trust a header's size. */
    private static long allocatedBy(Runnable body) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        body.run();
        return threads.getThreadAllocatedBytes(id) - before;
    }

    @Test
    void aHeaderDeclaringGigabytesInASmallFileFailsWithoutAllocatingThem() throws IOException {
        String plain = write("huge-header", TestData.idx(0x803, new int[] {2_700_000, 28, 28}, 7_900));
        String gz = write("huge-header.gz", gzip(TestData.idx(0x803, new int[] {2_700_000, 28, 28}, 7_900)));
        for (String uri : new String[] {plain, gz}) {
            String[] message = new String[1];
            long allocated = allocatedBy(() -> message[0] = assertThrows(DataFormatException.class,
                    () -> IdxFile.read(uri, 3, HADOOP)).getMessage());
            assertTrue(allocated < 64L << 20, uri + ": allocated " + allocated + " bytes");
            assertTrue(message[0].startsWith(uri + ": truncated: header [2700000, 28, 28]"), message[0]);
        }
    }

    @Test
    void declaredSizesBeyondAnArrayAreRefusedWithoutOverflow() throws IOException {
        String uri = write("overflow", TestData.idx(0x803, new int[] {65_536, 65_536, 65_536}, 10));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 3, HADOOP));
        assertTrue(e.getMessage().contains("header [65536, 65536, 65536] declares more than 2147483639 bytes"),
                e.getMessage());
    }

    @Test
    void aGzipStreamLongerThanItsHeaderSaysIsRejected() throws IOException {
        String uri = write("long.gz", gzip(TestData.idx(0x801, new int[] {3}, 5)));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 1, HADOOP));
        assertTrue(e.getMessage().endsWith("trailing bytes after the 3 bytes the header [3] declares"), e.getMessage());
    }

    @Test
    void aGzipDamagedMidStreamIsReportedAsCorruptNotAsTrailingBytes() throws IOException {
        byte[] raw = TestData.idx(0x803, new int[] {50, 28, 28}, 50 * 784);
        java.util.Random random = new java.util.Random(3);
        for (int i = 16; i < raw.length; i++) {
            raw[i] = (byte) random.nextInt(256); // incompressible, so the damage lands in the data
        }
        byte[] gz = gzip(raw);
        for (int at : new int[] {gz.length / 3, gz.length / 2, gz.length - 12}) {
            byte[] damaged = gz.clone();
            damaged[at] ^= 0x5a;
            String uri = write("damaged-" + at + ".gz", damaged);
            DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(uri, 3, HADOOP));
            assertTrue(e.getMessage().startsWith(uri + ": corrupt or truncated gzip stream"), e.getMessage());
        }
        String cut = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFile.read(cut, 3, HADOOP));
        assertTrue(e.getMessage().startsWith(cut + ": corrupt or truncated gzip stream"), e.getMessage());
    }
}
