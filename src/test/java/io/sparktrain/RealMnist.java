package io.sparktrain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/** Real MNIST for tests that make accuracy or agreement claims: {@code data/mnist}, fetched once when missing. */
public final class RealMnist {
    private RealMnist() {
    }

    /** The project's {@code data/mnist} folder as a URI, after {@code submit-scripts/fetch-mnist.sh} when needed. */
    public static synchronized String dir() {
        Path root = Paths.get("").toAbsolutePath();
        Path dir = root.resolve("data/mnist");
        if (!Files.exists(dir.resolve("t10k-images-idx3-ubyte"))
                || !Files.exists(dir.resolve("train-images-idx3-ubyte"))) {
            try {
                Process p = new ProcessBuilder("submit-scripts/fetch-mnist.sh", "data/mnist").directory(root.toFile())
                        .inheritIO().start();
                if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("submit-scripts/fetch-mnist.sh failed");
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot run submit-scripts/fetch-mnist.sh: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return dir.toUri().toString();
    }
}
