package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code sparktrain ARGS} ({@link Main}) in a JVM of its own, with this test's class path, Spark on loopback and one
 * native thread; its output lines are collected as they come, so that a test can wait for one and then signal or
 * kill the process.
 *
 * @param process the JVM
 * @param lines its stdout and stderr, interleaved
 */
record ChildMain(Process process, List<String> lines) {

    /** Starts {@code sparktrain args...} with a 2 GB heap. */
    static ChildMain start(List<String> args) throws IOException {
        return start(List.of("-Xmx2g"), args);
    }

    /** Starts {@code sparktrain args...} in a JVM with {@code jvmOptions} (the heap size among them). */
    static ChildMain start(List<String> jvmOptions, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dlog4j2.configurationFile=conf/log4j2.properties",
                "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), "io.sparktrain.cli.Main"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        ChildMain c = new ChildMain(pb.start(), new CopyOnWriteArrayList<>());
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(c.process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                in.lines().forEach(c.lines::add);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        pump.setDaemon(true);
        pump.start();
        return c;
    }

    /** Waits for the process to end (at most 300 s) and returns its exit code. */
    int finish() throws InterruptedException {
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), log());
        Thread.sleep(200);
        return process.exitValue();
    }

    /** Whether a line containing {@code text} appears within {@code seconds}. */
    boolean await(String text, int seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            if (lines.stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            if (!process.isAlive()) {
                return lines.stream().anyMatch(l -> l.contains(text));
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Everything it printed so far. */
    String log() {
        return String.join("\n", lines);
    }
}
