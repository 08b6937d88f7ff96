package io.sparktrain.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.RealMnist;
import io.sparktrain.TestData;
import io.sparktrain.data.MnistData;
import io.sparktrain.data.Split;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * A launch script run by a cluster integration test, from the project's root, its output collected line by line as
 * it runs.
 *
 * @param process the running script
 * @param lines its standard output and error so far
 */
record Running(Process process, List<String> lines) {
    static final Path ROOT = Path.of("").toAbsolutePath();
    /** Whether libjemalloc.so.2 is where common.sh's choose_executor_malloc looks for it (executors preload it). */
    static final boolean JEMALLOC_INSTALLED = Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/usr/lib").anyMatch(dir -> Files.isRegularFile(Path.of(dir, "libjemalloc.so.2")));

    /** Starts {@code command} in the project's root with {@code env} added to this JVM's environment. */
    static Running start(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Running r = new Running(pb.start(), new CopyOnWriteArrayList<>());
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    r.lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        pump.setDaemon(true);
        pump.start();
        return r;
    }

    boolean saw(String text) {
        return lines.stream().anyMatch(l -> l.contains(text));
    }

    void finish(int seconds) throws InterruptedException {
        assertEquals(0, end(seconds), String.join("\n", lines));
    }

    /** Waits for the end; the exit code. */
    int end(int seconds) throws InterruptedException {
        assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), "did not finish: " + String.join("\n", lines));
        Thread.sleep(200); // let the pump drain
        lines.forEach(System.out::println); // into the failsafe report, for the record
        return process.exitValue();
    }

    /** The first {@code train} training and {@code test} test images of real MNIST, as IDX files in {@code dir} on
     * {@code fs}. */
    static void putMnist(FileSystem fs, String dir, int train, int test) throws IOException {
        String mnist = RealMnist.dir();
        Path local = Files.createTempDirectory("mnist-hdfs");
        TestData.writeIdx(local, Split.TRAIN, MnistData.load(mnist, Split.TRAIN, train, new Configuration()));
        TestData.writeIdx(local, Split.TEST, MnistData.load(mnist, Split.TEST, test, new Configuration()));
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(dir));
    }
}
