package io.sparktrain.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
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

    /** The largest tensor accepted, in bytes: what one Java array can hold. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    /**
     * Reads and validates a whole IDX file. The size its header declares is checked against the file's length
     * before anything is allocated (a damaged header must not cost gigabytes of heap); a gzipped file is read in
     * chunks and fails as soon as it holds more or fewer bytes than declared.
     *
     * @param uri the file, as a Hadoop URI or a local path
     * @param expectedRank the rank the caller needs (3 for images, 1 for labels)
     * @param hadoop the Hadoop configuration that resolves the file system
     * @throws DataFormatException naming the file and the problem when it is missing, not IDX, of another rank or
     *     type, shorter or longer than its header says, or a damaged gzip stream
     */
    public static IdxFile read(String uri, int expectedRank, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus status = requireFile(fs, path, uri);
            try (InputStream raw = fs.open(path)) {
                return parse(uri, expectedRank, raw, status.getLen());
            }
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Reads items {@code [from, to)} (along the first dimension) of an IDX file, as {@link #readRanges} does.
     *
     * @throws DataFormatException naming the file and the problem, including a range beyond its items
     */
    public static IdxFile readRange(String uri, int expectedRank, int from, int to, Configuration hadoop) {
        return readRanges(uri, expectedRank, IndexRanges.of(from, to), hadoop);
    }

    /**
     * Reads the items in {@code ranges} (along the first dimension) of an IDX file, in ascending order, validated as
     * {@link #read} validates the whole file: the result holds {@code ranges.size()} items. An uncompressed file is
     * read range by range from {@code header + start * itemSize}, so only the ranges' bytes are read (plus the
     * header and the file system's read-ahead). A gzipped file cannot seek: it is decompressed in one pass up to the
     * last range's end, the items outside the ranges skipped, so it costs the I/O of everything before that end.
     *
     * @throws DataFormatException naming the file and the problem, including a range beyond its items
     */
    public static IdxFile readRanges(String uri, int expectedRank, IndexRanges ranges, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus status = requireFile(fs, path, uri);
            try (FSDataInputStream raw = fs.open(path)) {
                byte[] magic = new byte[2];
                boolean gzip = status.getLen() >= 2 && raw.read(0, magic, 0, 2) == 2
                        && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
                if (gzip) {
                    return gzipRanges(uri, expectedRank, raw, ranges);
                }
                DataInputStream data = new DataInputStream(raw);
                int[] dims = header(uri, expectedRank, data);
                long total = product(dims);
                long headerBytes = 4L + 4L * dims.length;
                if (status.getLen() != headerBytes + total) {
                    throw new DataFormatException(uri, (status.getLen() < headerBytes + total ? "truncated"
                            : "trailing bytes") + ": header " + Arrays.toString(dims) + " declares " + total
                            + " bytes of data, the file has " + (status.getLen() - headerBytes));
                }
                int[] range = rangeDims(uri, dims, ranges);
                long itemSize = total / dims[0];
                byte[] bytes = new byte[(int) (itemSize * range[0])];
                int at = 0;
                for (int r = 0; r < ranges.count(); r++) {
                    int length = (int) (itemSize * (ranges.end(r) - ranges.start(r)));
                    raw.seek(headerBytes + itemSize * ranges.start(r));
                    raw.readFully(bytes, at, length);
                    at += length;
                }
                return new IdxFile(uri, range, bytes);
            }
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot read: " + e.getMessage(), e);
        }
    }

    private static IdxFile gzipRanges(String uri, int expectedRank, InputStream raw, IndexRanges ranges)
            throws IOException {
        try {
            DataInputStream data = new DataInputStream(new GZIPInputStream(new BufferedInputStream(raw, 1 << 16),
                    1 << 16));
            int[] dims = header(uri, expectedRank, data);
            int[] range = rangeDims(uri, dims, ranges);
            long itemSize = product(dims) / dims[0];
            byte[] bytes = new byte[(int) (itemSize * range[0])];
            int at = 0;
            long position = 0; // items read or skipped so far
            for (int r = 0; r < ranges.count(); r++) {
                data.skipNBytes(itemSize * (ranges.start(r) - position));
                int length = (int) (itemSize * (ranges.end(r) - ranges.start(r)));
                data.readFully(bytes, at, length);
                at += length;
                position = ranges.end(r);
            }
            if (position == dims[0] && data.read() != -1) {
                drain(data);
                throw new DataFormatException(uri, "trailing bytes after the " + product(dims) + " bytes the header "
                        + Arrays.toString(dims) + " declares");
            }
            return new IdxFile(uri, range, bytes);
        } catch (EOFException e) {
            throw new DataFormatException(uri, "truncated: fewer items than its header declares", e);
        } catch (IOException e) {
            throw corruptGzip(uri, e);
        }
    }

    /** {@code dims} with the first dimension cut to {@code ranges}, or an error when they exceed it. */
    private static int[] rangeDims(String uri, int[] dims, IndexRanges ranges) {
        if (ranges.limit() > dims[0]) {
            throw new DataFormatException(uri, "items " + ranges + " asked of a file of " + dims[0]);
        }
        int[] range = dims.clone();
        range[0] = ranges.size();
        return range;
    }

    /** The status of the file at {@code path}, or a one-line error when it is missing or a directory. */
    private static FileStatus requireFile(FileSystem fs, Path path, String uri) throws IOException {
        if (!fs.exists(path)) {
            throw new DataFormatException(uri, "file not found (run submit-scripts/fetch-mnist.sh or set data.dir)");
        }
        FileStatus status = fs.getFileStatus(path);
        if (status.isDirectory()) {
            throw new DataFormatException(uri, "is a directory, expected an IDX file");
        }
        return status;
    }

    /**
     * The dimension sizes in the header of {@code uri} (gzipped or not), checked as {@link #read} checks them,
     * without reading the data.
     */
    public static int[] readHeader(String uri, int expectedRank, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new DataFormatException(uri, "file not found (run submit-scripts/fetch-mnist.sh or set data.dir)");
            }
            try (BufferedInputStream in = new BufferedInputStream(fs.open(path), 1 << 12)) {
                boolean gzip = isGzip(in);
                try {
                    return header(uri, expectedRank, new DataInputStream(gzip ? new GZIPInputStream(in) : in));
                } catch (IOException e) {
                    if (gzip) {
                        throw corruptGzip(uri, e);
                    }
                    throw e;
                }
            }
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Parses an IDX stream (gzipped or not) of unknown length; {@code uri} is used for messages only. */
    static IdxFile parse(String uri, int expectedRank, InputStream raw) throws IOException {
        return parse(uri, expectedRank, raw, -1);
    }

    /**
     * Parses an IDX stream (gzipped or not).
     *
     * @param fileLength the file's length in bytes, or -1 when unknown; checked against the header of a plain file
     */
    static IdxFile parse(String uri, int expectedRank, InputStream raw, long fileLength) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        boolean gzip = isGzip(buffered);
        InputStream in;
        try {
            in = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        } catch (IOException e) {
            throw corruptGzip(uri, e);
        }
        DataInputStream data = new DataInputStream(in);
        try {
            int[] dims = header(uri, expectedRank, data);
            long total = product(dims);
            long headerBytes = 4L + 4L * dims.length;
            if (!gzip && fileLength >= 0 && fileLength != headerBytes + total) {
                throw new DataFormatException(uri, (fileLength < headerBytes + total ? "truncated" : "trailing bytes")
                        + ": header " + Arrays.toString(dims) + " declares " + total + " bytes of data, the file has "
                        + (fileLength - headerBytes));
            }
            byte[] bytes = gzip || fileLength < 0 ? readChunked(data, total) : data.readNBytes((int) total);
            if (bytes.length < total) {
                throw new DataFormatException(uri, "truncated: header " + Arrays.toString(dims) + " needs " + total
                        + " bytes of data, file has " + bytes.length);
            }
            if (data.read() != -1) {
                if (gzip) {
                    drain(data); // a damaged stream shows itself here (its checksum), before calling it too long
                }
                throw new DataFormatException(uri, "trailing bytes after the " + total + " bytes the header "
                        + Arrays.toString(dims) + " declares");
            }
            return new IdxFile(uri, dims, bytes);
        } catch (IOException e) {
            if (gzip) {
                throw corruptGzip(uri, e);
            }
            throw e;
        }
    }

    private static DataFormatException corruptGzip(String uri, IOException e) {
        return new DataFormatException(uri, "corrupt or truncated gzip stream (" + e.getMessage() + ")", e);
    }

    /** Whether the stream starts with gzip's magic bytes; the stream is left where it was. */
    static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /**
     * Reads and validates the magic number and the dimension sizes of an unsigned-byte IDX file of rank
     * {@code expectedRank}, leaving the stream at the first data byte.
     *
     * @throws DataFormatException naming the file and what is wrong, including a declared size too large to hold
     */
    static int[] header(String uri, int expectedRank, DataInputStream data) throws IOException {
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
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = data.readInt();
            } catch (EOFException e) {
                throw new DataFormatException(uri, "truncated header: " + i + " of " + rank + " dimension sizes");
            }
            if (dims[i] <= 0) {
                throw new DataFormatException(uri, "dimension " + i + " has size " + dims[i]);
            }
        }
        product(uri, dims);
        return dims;
    }

    /** The number of data bytes {@code dims} declare, refusing (before any overflow) more than one array holds. */
    private static long product(String uri, int[] dims) {
        long total = 1;
        for (int d : dims) {
            total *= d; // both factors below 2^31: no overflow
            if (total > MAX_BYTES) {
                throw new DataFormatException(uri, "header " + Arrays.toString(dims) + " declares more than "
                        + MAX_BYTES + " bytes of data, more than this reader can hold");
            }
        }
        return total;
    }

    private static long product(int[] dims) {
        return product("", dims);
    }

    /** Up to {@code total} bytes, the buffer growing with what arrives rather than with what the header claims. */
    private static byte[] readChunked(DataInputStream in, long total) throws IOException {
        byte[] buf = new byte[(int) Math.min(total, 1 << 20)];
        int filled = 0;
        while (filled < total) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(total, 2L * buf.length));
            }
            int n = in.read(buf, filled, buf.length - filled);
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled == buf.length ? buf : Arrays.copyOf(buf, filled);
    }

    /** Reads on to the end of a gzip stream (at most 64 MiB more), so that its checksum is verified. */
    private static void drain(InputStream in) throws IOException {
        byte[] skip = new byte[1 << 16];
        long left = 64L << 20;
        for (int n = 0; n >= 0 && left > 0; left -= n) {
            n = in.read(skip);
        }
    }
}
