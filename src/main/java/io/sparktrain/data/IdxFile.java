package io.sparktrain.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An IDX file (the format of the MNIST distribution): a big-endian header {@code 0x00 0x00 type rank}, one 32-bit
 * size per dimension, then the unsigned bytes of the tensor in row-major order. Only the unsigned-byte type (0x08)
 * is accepted, which is what MNIST uses. Gzipped files are recognised by their magic bytes, not by their name.
 *
 * <p>Read through the Hadoop {@link FileSystem} API, so any file system Hadoop has a connector for works:
 * {@code file://} and {@code hdfs://} (tested), {@code s3a://} with {@code hadoop-aws} on the classpath.
 *
 * @param file the URI it was read from, for messages
 * @param dims the size of each dimension, outermost first
 * @param data the tensor's bytes, {@code product(dims)} of them
 */
public record IdxFile(String file, int[] dims, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;

    /** Number of items along the first dimension (images or labels). */
    public int count() {
        return dims[0];
    }

    /** Bytes per item: the product of the dimensions after the first. */
    public int itemSize() {
        int size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        return size;
    }

    /**
     * Reads and validates a whole IDX file.
     *
     * @param uri the file, as a Hadoop URI or a local path
     * @param expectedRank the rank the caller needs (3 for images, 1 for labels)
     * @param hadoop the Hadoop configuration that resolves the file system
     * @throws DataFormatException naming the file and the problem when it is missing, not IDX, of another rank or
     *     type, or shorter than its header says
     */
    public static IdxFile read(String uri, int expectedRank, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new DataFormatException(uri, "file not found (run submit-scripts/fetch-mnist.sh or set data.dir)");
            }
            try (InputStream raw = fs.open(path)) {
                return parse(uri, expectedRank, raw);
            }
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Parses an IDX stream (gzipped or not); {@code uri} is used for messages only. */
    static IdxFile parse(String uri, int expectedRank, InputStream raw) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        DataInputStream data = new DataInputStream(in);

        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(uri, "empty or shorter than the 4-byte IDX magic number");
        }
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if ((magic >>> 16) != 0 || rank == 0) {
            throw new DataFormatException(uri, String.format("not an IDX file (magic number 0x%08x)", magic));
        }
        if (type != UNSIGNED_BYTE) {
            throw new DataFormatException(uri, String.format("IDX element type 0x%02x is not unsigned byte (0x08)", type));
        }
        if (rank != expectedRank) {
            throw new DataFormatException(uri, "IDX rank " + rank + ", expected " + expectedRank);
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = data.readInt();
            } catch (EOFException e) {
                throw new DataFormatException(uri, "truncated header: " + i + " of " + rank + " dimension sizes");
            }
            if (dims[i] <= 0) {
                throw new DataFormatException(uri, "dimension " + i + " has size " + dims[i]);
            }
            total *= dims[i];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(uri, "tensor of " + total + " bytes is too large");
        }
        byte[] bytes = new byte[(int) total];
        int read = data.readNBytes(bytes, 0, bytes.length);
        if (read < bytes.length) {
            throw new DataFormatException(uri, "truncated: header " + Arrays.toString(dims) + " needs " + total
                    + " bytes of data, file has " + read);
        }
        if (data.read() != -1) {
            throw new DataFormatException(uri, "trailing bytes after the " + total + " bytes the header "
                    + Arrays.toString(dims) + " declares");
        }
        return new IdxFile(uri, dims, bytes);
    }
}
