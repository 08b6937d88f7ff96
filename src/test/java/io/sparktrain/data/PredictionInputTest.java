package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code predict}'s inputs get the same checks as training's: IDX headers against the file, CSV cells, UTF-8. */
class PredictionInputTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path dir;

    private static byte[] idx(int[] dims, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x803);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(new byte[dataBytes]);
        return bytes.toByteArray();
    }

    @Test
    void anImageHeaderIsCheckedAgainstTheFileBeforeAnyPartIsRead() throws IOException {
        Path huge = Files.write(dir.resolve("huge"), idx(new int[] {2_700_000, 28, 28}, 7_900));
        String e = assertThrows(DataFormatException.class, () -> PredictionInput.IdxImages.open(huge.toUri().toString(),
                10, null, HADOOP)).getMessage();
        assertTrue(e.endsWith("huge: truncated: header [2700000, 28, 28] declares 2116800000 bytes of data, the file "
                + "has 7900"), e);
        Path overflow = Files.write(dir.resolve("overflow"), idx(new int[] {65_536, 65_536, 65_536}, 0));
        e = assertThrows(DataFormatException.class, () -> PredictionInput.IdxImages.open(overflow.toUri().toString(),
                10, null, HADOOP)).getMessage();
        assertTrue(e.contains("declares more than 2147483639 bytes"), e);
        Path zero = Files.write(dir.resolve("zero"), idx(new int[] {3, 0, 28}, 0));
        e = assertThrows(DataFormatException.class, () -> PredictionInput.IdxImages.open(zero.toUri().toString(),
                10, null, HADOOP)).getMessage();
        assertTrue(e.endsWith("zero: dimension 1 has size 0"), e);
        Path ok = Files.write(dir.resolve("ok"), idx(new int[] {3, 2, 2}, 12));
        assertArrayEquals(new int[] {3, 2, 2}, PredictionInput.IdxImages.open(ok.toUri().toString(), 10, null, HADOOP)
                .dims());
    }

    @Test
    void csvInputsTakePlainDecimalsSkipABomAndNameBadCells() throws IOException {
        Path good = Files.write(dir.resolve("good.csv"), "\uFEFF0.5,1\n-2e1,3\n".getBytes(StandardCharsets.UTF_8));
        PredictionInput.CsvFiles input = new PredictionInput.CsvFiles(List.of(good.toUri().toString()), false, 2,
                FeatureScaling.NONE, 3);
        assertTrue(PredictionInput.CsvFiles.firstLineWidth(good.toUri().toString(), false, HADOOP) == 2);
        SequenceSet set = (SequenceSet) input.read(input.parts(1, HADOOP).get(0), HADOOP).examples();
        assertArrayEquals(new float[] {0.5f, 1f, -20f, 3f}, set.values());
        Path bad = Files.writeString(dir.resolve("bad.csv"), "1,2\n0x1p3,1\n");
        PredictionInput.CsvFiles badInput = new PredictionInput.CsvFiles(List.of(bad.toUri().toString()), false, 2,
                FeatureScaling.NONE, 3);
        String e = assertThrows(DataFormatException.class,
                () -> badInput.read(badInput.parts(1, HADOOP).get(0), HADOOP)).getMessage();
        assertTrue(e.endsWith("bad.csv: line 2, column 1: \"0x1p3\" is not a number"), e);
    }

    @Test
    void aTruncatedGzipOfImagesIsNamedAsSuchWhenItsPartIsRead() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            byte[] raw = idx(new int[] {40, 28, 28}, 40 * 784);
            for (int i = 16; i < raw.length; i++) {
                raw[i] = (byte) (i * 31 % 251);
            }
            out.write(raw);
        }
        byte[] bytes = gz.toByteArray();
        Path cut = Files.write(dir.resolve("cut.gz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        PredictionInput.IdxImages images = PredictionInput.IdxImages.open(cut.toUri().toString(), 10, null, HADOOP);
        List<PredictionInput.Part> parts = images.parts(1, HADOOP);
        String e = assertThrows(DataFormatException.class, () -> images.read(parts.get(0), HADOOP)).getMessage();
        assertTrue(e.startsWith(cut.toUri() + ": corrupt or truncated gzip stream ("), e);
    }
}
