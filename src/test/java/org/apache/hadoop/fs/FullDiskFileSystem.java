package org.apache.hadoop.fs;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code fulldisk://}, except that the disk "fills up" while writing the
 * Nth file of a given name: that write fails as a full local disk does in Hadoop, with an {@link FSError} wrapping
 * "No space left on device", after some bytes have gone out. In Hadoop's package because FSError's constructor is
 * package-private. Registered through {@code META-INF/services}, so any {@code fulldisk:///path} in a test works.
 */
public final class FullDiskFileSystem extends RawLocalFileSystem {
    private static volatile String failName;
    private static final AtomicInteger UNTIL_FAILURE = new AtomicInteger(-1);

    /** The {@code nth} (from 1) file named {@code name} created from now on fails mid-write. */
    public static void fillUpAt(String name, int nth) {
        failName = name;
        UNTIL_FAILURE.set(nth);
    }

    /** No more failures. */
    public static void clear() {
        failName = null;
        UNTIL_FAILURE.set(-1);
    }

    @Override
    public URI getUri() {
        return URI.create("fulldisk:///");
    }

    @Override
    public String getScheme() {
        return "fulldisk";
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        return filling(f, super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        return filling(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
    }

    private static FSDataOutputStream filling(Path f, FSDataOutputStream out) {
        if (!f.getName().equals(failName) || UNTIL_FAILURE.decrementAndGet() != 0) {
            return out;
        }
        OutputStream filling = new OutputStream() {
            private long written;

            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (written + len > 64) {
                    throw new FSError(new IOException("No space left on device"));
                }
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw new FSError(e);
                }
                written += len;
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
        return new FSDataOutputStream(filling, null);
    }
}
