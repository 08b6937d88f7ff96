package io.sparktrain.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** What the report pages share: escaping, charts embedded as PNG, and the browser-test hook. */
final class Html {
    /** Records each image's decoded size on the element, so a browser test can read it from the DOM. */
    static final String RENDERED_SCRIPT = "<script>window.addEventListener('load',()=>document.querySelectorAll('img')"
            + ".forEach(i=>i.setAttribute('data-rendered',i.naturalWidth+'x'+i.naturalHeight)));</script>\n";

    private Html() {
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A line chart with a legend, drawn off screen. */
    static XYChart chart(String title, String x, String y, int width, int height) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(x).yAxisTitle(y)
                .build();
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    /** {@code chart} as an {@code img} element with the PNG inline. */
    static String image(XYChart chart, String id) {
        try {
            return "<img id=\"" + id + "\" alt=\"" + esc(chart.getTitle()) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(BitmapEncoder.getBitmapBytes(chart,
                    BitmapEncoder.BitmapFormat.PNG)) + "\">";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
