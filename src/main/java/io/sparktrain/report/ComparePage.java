package io.sparktrain.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Several runs side by side on one self-contained page: a table of their settings and results, and their train loss
 * per round, test loss per epoch and test accuracy per epoch overlaid (XChart, embedded as PNG).
 */
public final class ComparePage {

    private ComparePage() {
    }

    /**
     * A run to compare.
     *
     * @param label how the page names it (its folder)
     * @param metrics its {@code metrics.json}
     */
    public record Run(String label, JsonNode metrics) {
    }

    /** The page for {@code runs}, in the order given. */
    public static String html(List<Run> runs) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>sparktrain: " + runs.size() + " runs compared</title><style>body{font-family:sans-serif;"
                + "margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 8px;"
                + "text-align:right}th{background:#eee}</style></head><body><h1>" + runs.size()
                + " runs compared</h1>\n<table id=\"runs\"><tr><th>run</th><th>network</th><th>workers</th>"
                + "<th>batch / worker</th><th>averaging every</th><th>updater</th><th>epochs</th><th>rounds</th>"
                + "<th>test accuracy</th><th>test loss</th><th>examples/s</th><th>training s</th></tr>");
        XYChart loss = Html.chart("Train loss per round", "round", "loss", 620, 360);
        XYChart testLoss = Html.chart("Test loss per epoch", "epoch", "loss", 620, 360);
        XYChart accuracy = Html.chart("Test accuracy per epoch", "epoch", "accuracy", 620, 360);
        for (Run run : runs) {
            JsonNode m = run.metrics();
            h.append("<tr><td>").append(Html.esc(run.label())).append("</td><td>").append(Html.esc(m.path("network").asText()))
                    .append("</td><td>").append(m.path("workers").asInt()).append("</td><td>")
                    .append(m.path("batchSizePerWorker").asInt()).append("</td><td>")
                    .append(m.path("averagingFrequency").asInt()).append("</td><td>")
                    .append(Html.esc(m.path("updater").path("kind").asText(m.path("updater").asText()))).append("</td><td>")
                    .append(m.path("epochs").size()).append("</td><td>").append(m.path("rounds").size())
                    .append("</td><td>").append(String.format("%.4f", m.path("test").path("accuracy").asDouble()))
                    .append("</td><td>").append(String.format("%.4f", m.path("test").path("loss").asDouble()))
                    .append("</td><td>")
                    .append(String.format("%.0f", m.path("throughput").path("examplesPerSecond").asDouble()))
                    .append("</td><td>")
                    .append(String.format("%.1f", m.path("throughput").path("trainSeconds").asDouble()))
                    .append("</td></tr>");
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (JsonNode r : m.path("rounds")) {
                x.add((double) x.size() + 1);
                y.add(r.path("trainLoss").asDouble());
            }
            if (!x.isEmpty()) {
                loss.addSeries(run.label(), x, y).setMarker(SeriesMarkers.NONE);
            }
            List<Double> epochs = new ArrayList<>();
            List<Double> el = new ArrayList<>();
            List<Double> ea = new ArrayList<>();
            for (JsonNode e : m.path("epochs")) {
                epochs.add(e.path("epoch").asDouble());
                el.add(e.path("testLoss").asDouble());
                ea.add(e.path("testAccuracy").asDouble());
            }
            if (!epochs.isEmpty()) {
                testLoss.addSeries(run.label(), epochs, el);
                accuracy.addSeries(run.label(), epochs, ea);
            }
        }
        h.append("</table>\n").append(Html.image(loss, "train-loss")).append(Html.image(testLoss, "test-loss"))
                .append(Html.image(accuracy, "test-accuracy"));
        h.append(Html.RENDERED_SCRIPT);
        return h.append("</body></html>\n").toString();
    }



}
