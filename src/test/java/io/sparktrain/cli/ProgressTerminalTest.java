package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparktrain.RealMnist;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress bar as a person sees it: training run in a real terminal (tmux), its screen captured. */
class ProgressTerminalTest {
    @TempDir
    Path tmp;

    private static String tmux(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", "sparktrain-test"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void aTerminalShowsABarPerEpochWithRoundsLossSpeedAndTime() throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/tmux"));
        if (System.getenv("CI") != null) {
            assertTrue(present, "tmux is missing");
        }
        assumeTrue(present, "tmux is not installed");
        List<String> java = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx2g", "-Dlog4j2.configurationFile=conf/log4j2.properties", "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens"))
                .forEach(java::add);
        java.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), "io.sparktrain.cli.Main", "train", "conf/mnist-cnn.conf",
                "--set", "data.dir=" + RealMnist.dir(), "--set", "data.trainLimit=6400", "--set",
                "data.testLimit=200", "--set", "training.epochs=2", "--out", tmp.resolve("run").toString()));
        Path script = tmp.resolve("run.sh");
        Files.writeString(script, "cd " + Paths.get("").toAbsolutePath() + " && OMP_NUM_THREADS=1 exec "
                + String.join(" ", java.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList()) + "\n");
        tmux("kill-server");
        tmux("new-session", "-d", "-s", "train", "-x", "200", "-y", "50", "bash " + script + "; sleep 120");
        String screen = "";
        try {
            long deadline = System.currentTimeMillis() + 240_000;
            while (System.currentTimeMillis() < deadline && !screen.contains("run written to")) {
                Thread.sleep(500);
                screen = tmux("capture-pane", "-p", "-t", "train");
            }
        } finally {
            tmux("kill-server");
        }
        assertTrue(screen.contains("run written to"), screen);
        // 6,400 examples, 2 shards of 3,200, 100 minibatches of 32 each, averaging every 10: 10 rounds per epoch.
        Pattern bar = Pattern.compile("epoch (\\d)/2 100% .*│ 10/10 rounds \\(\\d+:\\d\\d:\\d\\d / \\d+:\\d\\d:\\d\\d\\) "
                + "loss \\d\\.\\d{4}, [\\d,]+ examples/s");
        List<String> bars = screen.lines().filter(l -> bar.matcher(l).find()).toList();
        assertEquals(2, bars.size(), screen);
        assertTrue(screen.lines().noneMatch(l -> l.contains("ProgressDisplay: epoch")), "no log lines on a terminal");
    }
}
