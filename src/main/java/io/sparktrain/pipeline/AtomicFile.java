package io.sparktrain.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * A file that appears whole or not at all: written under a hidden staging name beside its target, then renamed
 * into place; the staging file is removed whatever happens. Readers never see a half-written file.
 */
final class AtomicFile {

    /** Writes the content of a file at the staging path it is given. */
    interface Writer<T> {
        T write(Path staging) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * @param replace replace an existing target (atomically, through FileContext's overwriting rename); when false
     *     an existing target makes the rename, and the write, fail
     * @return what {@code writer} returned
     */
    static <T> T write(FileSystem fs, Path target, boolean replace, Writer<T> writer) throws IOException {
        Path staging = new Path(target.getParent(), RunOutput.stagingName(target.getName()));
        try {
            T result = writer.write(staging);
            if (replace) {
                FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(staging, target,
                        Options.Rename.OVERWRITE);
            } else if (!fs.rename(staging, target)) {
                throw new IOException("cannot rename " + staging + " to " + target);
            }
            return result;
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }

    /** {@link #write} of {@code bytes}. */
    static void write(FileSystem fs, Path target, boolean replace, byte[] bytes) throws IOException {
        write(fs, target, replace, staging -> {
            try (OutputStream out = fs.create(staging, false)) {
                out.write(bytes);
            }
            return null;
        });
    }
}
