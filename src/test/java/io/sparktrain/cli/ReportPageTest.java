package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.RealMnist;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html in a real browser (Debian's headless Chromium): every chart and image decodes to a non-zero size, the
 * tables are there, and the screenshot is not blank. Outside CI the browser test is skipped when Chromium is not
 * installed; CI installs it (.ci/run), and there its absence fails the test.
 */
class ReportPageTest {
    @TempDir
    static Path tmp;
    private static Path run;
    private static Path other;
    private static final CliRun CLI = new CliRun();
    private static final String CHROMIUM = "/usr/bin/chromium";

    @BeforeAll
    static void train() {
        run = tmp.resolve("run");
        assertEquals(ExitCode.OK, CLI.run("train", "conf/mnist-cnn.conf", "--set", "data.dir=" + RealMnist.dir(),
                "--set", "data.trainLimit=1000", "--set", "data.testLimit=300", "--set", "training.epochs=2",
                "--out", run.toString()), CLI.stderr());
        other = tmp.resolve("every-2");
        assertEquals(ExitCode.OK, CLI.run("train", "conf/mnist-cnn.conf", "--set", "data.dir=" + RealMnist.dir(),
                "--set", "data.trainLimit=1000", "--set", "data.testLimit=300", "--set", "training.epochs=2",
                "--set", "training.averagingFrequency=2", "--out", other.toString()), CLI.stderr());
    }

    private static List<String> chromium(String... args) throws Exception {
        boolean present = Files.isExecutable(Path.of(CHROMIUM));
        if (System.getenv("CI") != null) {
            assertTrue(present, CHROMIUM + " is missing: .ci/run installs Debian's chromium");
        }
        assumeTrue(present, "Debian's chromium is not installed");
        List<String> command = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"), "--hide-scrollbars",
                "--virtual-time-budget=5000"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        return out;
    }

    @Test
    void theReportRendersItsChartsImagesAndTablesInABrowser() throws Exception {
        String url = run.resolve("report.html").toUri().toString();
        String dom = String.join("\n", chromium("--dump-dom", url));
        for (String table : List.of("figures", "epochs", "confusion", "kernels")) {
            assertTrue(dom.contains("<table id=\"" + table + "\">"), table);
        }
        Matcher rendered = Pattern.compile("<img id=\"([a-z-]+)\"[^>]*data-rendered=\"(\\d+)x(\\d+)\"").matcher(dom);
        List<String> charts = new ArrayList<>();
        while (rendered.find()) {
            assertTrue(Integer.parseInt(rendered.group(2)) > 0 && Integer.parseInt(rendered.group(3)) > 0,
                    rendered.group());
            charts.add(rendered.group(1));
        }
        assertEquals(List.of("train-loss", "epoch-loss", "epoch-accuracy", "fit-seconds"), charts);
        Matcher digits = Pattern.compile("<img alt=\"test example \\d+\"[^>]*data-rendered=\"28x28\"").matcher(dom);
        int images = 0;
        while (digits.find()) {
            images++;
        }
        assertTrue(images > 0, "misclassified digits drawn");

        Path shot = tmp.resolve("report.png");
        chromium("--window-size=1200,2400", "--screenshot=" + shot, url);
        BufferedImage image = ImageIO.read(shot.toFile());
        assertEquals(1200, image.getWidth());
        long dark = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y);
                if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 300) {
                    dark++;
                }
            }
        }
        assertTrue(dark > 5_000, "the screenshot shows text and charts: " + dark + " dark pixels sampled");
    }

    @Test
    void compareOverlaysTwoRunsInOneTableAndThreeCharts() throws Exception {
        Path page = tmp.resolve("compare.html");
        assertEquals(ExitCode.OK, CLI.run("compare", run.toString(), other.toString(), "--out", page.toString()),
                CLI.stderr());
        String dom = String.join("\n", chromium("--dump-dom", page.toUri().toString()));
        assertTrue(dom.contains("<table id=\"runs\">"), dom);
        assertEquals(3, dom.split("<tr>", -1).length - 1, "a header and a row per run");
        assertTrue(dom.contains("<td>every-2</td>") && dom.contains("<td>run</td>"));
        Matcher rendered = Pattern.compile("<img id=\"([a-z-]+)\"[^>]*data-rendered=\"(\\d+)x(\\d+)\"").matcher(dom);
        List<String> charts = new ArrayList<>();
        while (rendered.find()) {
            assertTrue(Integer.parseInt(rendered.group(2)) > 0, rendered.group());
            charts.add(rendered.group(1));
        }
        assertEquals(List.of("train-loss", "test-loss", "test-accuracy"), charts);
        assertEquals(ExitCode.USAGE, CLI.run("compare", run.toString(), other.toString(), "--out", page.toString()));
        assertEquals(ExitCode.USAGE, CLI.run("compare", run.toString()));
    }

    /** The misclassified examples' captions, "#index: label &rarr; predicted", in page order. */
    private static List<String> captions(String page) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<figcaption>#(\\d+): (\\d+) &rarr; (\\d+)")
                .matcher(page);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1) + ":" + m.group(2) + ">" + m.group(3));
        }
        return found;
    }

    @Test
    void reportRebuildsThePageOfAnExistingRun() throws IOException {
        Path page = run.resolve("report.html");
        String before = Files.readString(page);
        Files.delete(page);
        assertEquals(ExitCode.OK, CLI.run("report", run.toString()), CLI.stderr());
        String after = Files.readString(page);
        assertTrue(after.contains("<table id=\"confusion\">") && after.contains("Total params: 50,186"), after);
        assertEquals(before.length() / 1000, after.length() / 1000, "the same page, give or take chart bytes");
        // Training kept the misclassified examples its last evaluation met on the executors; the rebuild scores the
        // test split on the driver: the same examples, classes and predictions.
        List<String> trained = captions(before);
        Map<?, ?> test = (Map<?, ?>) new ObjectMapper().readValue(run.resolve("metrics.json").toFile(), Map.class)
                .get("test");
        long wrong = Math.round(((Number) test.get("examples")).doubleValue()
                * (1 - ((Number) test.get("accuracy")).doubleValue()));
        assertTrue(wrong > 0, "a model that misses some of the 300 test images: " + test);
        assertEquals(Math.min(32, wrong), trained.size(), "the first 32 misclassified at most: " + before);
        assertEquals(trained, captions(after));
        assertEquals(ExitCode.USAGE, CLI.run("report", tmp.resolve("nothing").toString()));
    }
}
