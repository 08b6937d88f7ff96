package io.sparktrain.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A run's {@code report.html}: one self-contained page (charts embedded as PNG, no script or style from elsewhere)
 * with the run's figures, the model summary, plots of the driver-aggregated train loss per round and of test loss
 * and accuracy per epoch, the workers' fit times, the confusion matrix, misclassified test examples, throughput,
 * the executors' kernel reports and the configuration. Charts are drawn with XChart.
 */
public final class ReportPage {

    private ReportPage() {
    }

    /**
     * A misclassified test example.
     *
     * @param index its position in the test split
     * @param label its class
     * @param predicted the model's class
     * @param pixels a one-channel image's values in [0, 1] ({@code height x width}), or null for a sequence
     * @param height image height
     * @param width image width
     */
    public record Misclassified(int index, int label, int predicted, float[] pixels, int height, int width) {
    }

    /**
     * The page.
     *
     * @param metrics the run's {@code metrics.json}
     * @param configText the run's {@code config.conf}
     * @param summary the model summary table
     * @param wrong misclassified test examples (the first few); empty when the data could not be read
     * @param wrongNote what {@code wrong} is, or why it is empty
     */
    public static String html(JsonNode metrics, String configText, String summary, List<Misclassified> wrong,
                              String wrongNote) {
        StringBuilder h = new StringBuilder();
        String name = metrics.path("name").asText();
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sparktrain run ")
                .append(Html.esc(name)).append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:2px 8px;")
                .append("text-align:right}th{background:#eee}pre{background:#f6f6f6;padding:.6em;overflow:auto}")
                .append(".grid img{image-rendering:pixelated;margin:2px}.grid figure{display:inline-block;margin:4px;")
                .append("text-align:center;font-size:12px}h2{border-bottom:1px solid #ccc}")
                .append("</style></head><body>\n");
        JsonNode test = metrics.path("test");
        JsonNode throughput = metrics.path("throughput");
        h.append("<h1>Run ").append(Html.esc(name)).append("</h1>\n");
        h.append("<table id=\"figures\"><tr><th>network</th><th>test accuracy</th><th>test loss</th>")
                .append("<th>test examples</th><th>workers</th><th>examples/s</th><th>training s</th>")
                .append("<th>Spark master</th></tr><tr><td>").append(Html.esc(metrics.path("network").asText()))
                .append("</td><td>").append(String.format("%.4f", test.path("accuracy").asDouble()))
                .append("</td><td>").append(String.format("%.4f", test.path("loss").asDouble()))
                .append("</td><td>").append(test.path("examples").asLong()).append("</td><td>")
                .append(metrics.path("workers").asInt()).append("</td><td>")
                .append(String.format("%.0f", throughput.path("examplesPerSecond").asDouble())).append("</td><td>")
                .append(String.format("%.1f", throughput.path("trainSeconds").asDouble())).append("</td><td>")
                .append(Html.esc(metrics.path("spark").path("master").asText())).append("</td></tr></table>\n");

        h.append("<h2>Model</h2><pre id=\"summary\">").append(Html.esc(summary)).append("</pre>\n");

        h.append("<h2>Training</h2>\n");
        List<Double> rounds = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        int i = 0;
        for (JsonNode r : metrics.path("rounds")) {
            rounds.add((double) ++i);
            loss.add(r.path("trainLoss").asDouble());
        }
        XYChart lossChart = Html.chart("Train loss per round (driver-aggregated cross-entropy)", "round", "loss",
                520, 320);
        if (!rounds.isEmpty()) {
            lossChart.addSeries("train loss", rounds, loss).setMarker(SeriesMarkers.NONE);
        }
        h.append(Html.image(lossChart, "train-loss")).append('\n');

        List<Double> epochs = new ArrayList<>();
        List<Double> trainLoss = new ArrayList<>();
        List<Double> testLoss = new ArrayList<>();
        List<Double> testAccuracy = new ArrayList<>();
        StringBuilder epochRows = new StringBuilder();
        for (JsonNode e : metrics.path("epochs")) {
            epochs.add(e.path("epoch").asDouble());
            trainLoss.add(e.path("trainLoss").asDouble());
            testLoss.add(e.path("testLoss").asDouble());
            testAccuracy.add(e.path("testAccuracy").asDouble());
            epochRows.append(String.format("<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.1f</td>"
                            + "<td>%.1f</td></tr>", e.path("epoch").asInt(), e.path("trainLoss").asDouble(),
                    e.path("testLoss").asDouble(), e.path("testAccuracy").asDouble(), e.path("seconds").asDouble(),
                    e.path("evalSeconds").asDouble()));
        }
        XYChart epochLoss = Html.chart("Loss per epoch", "epoch", "loss", 520, 320);
        XYChart epochAccuracy = Html.chart("Test accuracy per epoch", "epoch", "accuracy", 520, 320);
        if (!epochs.isEmpty()) {
            epochLoss.addSeries("train", epochs, trainLoss);
            epochLoss.addSeries("test", epochs, testLoss);
            epochAccuracy.addSeries("test accuracy", epochs, testAccuracy);
        }
        h.append(Html.image(epochLoss, "epoch-loss")).append(Html.image(epochAccuracy, "epoch-accuracy"))
                .append('\n');
        h.append("<table id=\"epochs\"><tr><th>epoch</th><th>train loss</th><th>test loss</th><th>test accuracy</th>")
                .append("<th>training s</th><th>evaluation s</th></tr>").append(epochRows).append("</table>\n");

        XYChart fit = Html.chart("Workers' fit seconds per round", "round", "seconds", 520, 320);
        java.util.Map<Integer, List<double[]>> byShard = new java.util.TreeMap<>();
        i = 0;
        for (JsonNode r : metrics.path("rounds")) {
            i++;
            for (JsonNode w : r.path("workers")) {
                byShard.computeIfAbsent(w.path("shard").asInt(), k -> new ArrayList<>())
                        .add(new double[] {i, w.path("fitSeconds").asDouble()});
            }
        }
        byShard.forEach((shard, points) -> fit.addSeries("shard " + shard,
                points.stream().map(p -> p[0]).toList(), points.stream().map(p -> p[1]).toList())
                .setMarker(SeriesMarkers.NONE));
        h.append(Html.image(fit, "fit-seconds")).append('\n');

        h.append("<h2>Test set</h2>\n");
        JsonNode confusion = test.path("confusion");
        if (confusion.isArray() && confusion.size() > 0 && confusion.size() <= 40) {
            h.append("<table id=\"confusion\"><tr><th>true \\ predicted</th>");
            for (int c = 0; c < confusion.size(); c++) {
                h.append("<th>").append(c).append("</th>");
            }
            h.append("</tr>");
            for (int t = 0; t < confusion.size(); t++) {
                h.append("<tr><th>").append(t).append("</th>");
                for (JsonNode cell : confusion.get(t)) {
                    h.append("<td>").append(cell.asLong()).append("</td>");
                }
                h.append("</tr>");
            }
            h.append("</table>\n");
        } else {
            h.append("<p>Confusion matrix: not in metrics.json").append(confusion.size() > 40 ? " (over 40 classes)"
                    : "").append(".</p>\n");
        }
        h.append("<h3>Misclassified test examples</h3><p>").append(Html.esc(wrongNote)).append("</p><div class=\"grid\">");
        for (Misclassified m : wrong) {
            h.append("<figure>");
            if (m.pixels() != null) {
                h.append("<img alt=\"test example ").append(m.index()).append("\" width=\"").append(m.width() * 3)
                        .append("\" height=\"").append(m.height() * 3).append("\" src=\"data:image/png;base64,")
                        .append(png(m)).append("\">");
            }
            h.append("<figcaption>#").append(m.index()).append(": ").append(m.label()).append(" &rarr; ")
                    .append(m.predicted()).append("</figcaption></figure>");
        }
        h.append("</div>\n");

        h.append("<h2>Executors</h2><table id=\"kernels\"><tr><th>shard</th><th>executor</th><th>host</th>")
                .append("<th>native build</th><th>BLAS</th><th>conv+pool</th><th>self-check</th></tr>");
        for (JsonNode k : metrics.path("kernels")) {
            boolean passed = true;
            for (JsonNode c : k.path("checks")) {
                passed &= c.path("passed").asBoolean();
            }
            h.append("<tr><td>").append(k.path("shard").asInt()).append("</td><td>")
                    .append(Html.esc(k.path("executorId").asText())).append("</td><td>").append(Html.esc(k.path("host").asText()))
                    .append("</td><td>").append(Html.esc(k.path("platform").asText() + k.path("extension").asText()))
                    .append("</td><td>").append(Html.esc(k.path("blasVendor").asText())).append("</td><td>")
                    .append(Html.esc(k.path("helpers").path("conv+pool").asText())).append("</td><td>")
                    .append(passed ? "passed" : "FAILED").append("</td></tr>");
        }
        h.append("</table>\n");
        h.append("<h2>Configuration</h2><pre id=\"config\">").append(Html.esc(configText)).append("</pre>\n");
        // Lets a browser test read what it decoded: every chart's and image's natural size.
        h.append(Html.RENDERED_SCRIPT);
        h.append("</body></html>\n");
        return h.toString();
    }



    private static String png(Misclassified m) {
        BufferedImage image = new BufferedImage(m.width(), m.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                int v = Math.round(255 * Math.max(0, Math.min(1, m.pixels()[y * m.width() + x])));
                image.getRaster().setSample(x, y, 0, 255 - v);
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
