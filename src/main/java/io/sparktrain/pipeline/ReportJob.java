package io.sparktrain.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.config.ConfigException;
import io.sparktrain.data.DataFormatException;
import io.sparktrain.data.Examples;
import io.sparktrain.model.ModelSummary;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.report.ReportPage;
import io.sparktrain.training.Misclassified;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** A run's {@code report.html} ({@link ReportPage}): written with every run, and rebuilt by {@code report RUN}. */
public final class ReportJob {
    /** The report's file name in a run folder. */
    public static final String REPORT = "report.html";
    private static final int SHOWN = 32;

    private ReportJob() {
    }

    /** The page for a run whose network, metrics and test examples are at hand. */
    static String html(NetworkSpec spec, JsonNode metrics, String configText, MultiLayerNetwork network,
                       JobData data, Configuration hadoop, int batchSize) {
        return html(spec, metrics, configText, network, data, hadoop, batchSize, java.util.Optional.empty());
    }

    /**
     * The report, showing {@code found} (the misclassified examples the run's last evaluation met on the executors)
     * when given, else the first misclassified examples the driver finds by scoring the test split.
     */
    static String html(NetworkSpec spec, JsonNode metrics, String configText, MultiLayerNetwork network,
                       JobData data, Configuration hadoop, int batchSize,
                       java.util.Optional<List<Misclassified>> found) {
        List<ReportPage.Misclassified> wrong = found.isPresent()
                ? found.get().stream().limit(SHOWN).map(ReportJob::shown).toList()
                : misclassified(network, data, hadoop, batchSize);
        String note = wrong.isEmpty() ? "None among the test examples." : "The first " + wrong.size()
                + " misclassified test examples (index: true class \u2192 predicted class).";
        return ReportPage.html(metrics, configText, ModelSummary.of(spec).table(), wrong, note);
    }

    /**
     * Rebuilds {@code report.html} in the run folder {@code run} from its files; the test examples come from the
     * data its configuration names, when they can be read.
     *
     * @return the report's path
     */
    public static String run(String run) {
        Configuration hadoop = new Configuration();
        SavedModel model = SavedModel.load(run, List.of(), hadoop);
        Path dir = new Path(run);
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new ConfigException(run + " is not a run folder");
            }
            JsonNode metrics;
            String config;
            try (InputStream in = fs.open(new Path(dir, RunOutput.METRICS))) {
                metrics = new ObjectMapper().readTree(in);
            }
            try (InputStream in = fs.open(new Path(dir, RunOutput.CONFIG))) {
                config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String html;
            try {
                JobData data = JobData.prepare(model.job(), model.vocabulary(), hadoop);
                html = html(data.network(), metrics, config, model.network(), data, hadoop,
                        model.job().training().evalBatchSize());
            } catch (DataFormatException | ConfigException e) {
                NetworkSpec spec = model.job().model().classes().isPresent() && (!model.job().model().sequences()
                        || model.job().model().features().isPresent()) ? model.job().model().resolve() : null;
                html = ReportPage.html(metrics, config, spec == null ? "(the network's sizes come from its data, "
                        + "which could not be read)" : ModelSummary.of(spec).table(), List.of(),
                        "The run's data could not be read: " + e.getMessage());
            }
            Path target = new Path(dir, REPORT);
            AtomicFile.write(fs, target, true, html.getBytes(StandardCharsets.UTF_8));
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("report for " + run + ": " + e.getMessage(), e);
        }
    }

    /** Test examples read per chunk while looking for misclassified ones: most reports need the first chunk only. */
    private static final int CHUNK = 4096;

    /**
     * The first few test examples the network gets wrong (for per-step labels: examples with any wrong step), the
     * test split read chunk by chunk until they are found.
     */
    /** An example as the page shows it: its pixels when it is a one-channel image. */
    private static ReportPage.Misclassified shown(Misclassified m) {
        boolean image = m.shape().length == 3 && m.shape()[0] == 1;
        return new ReportPage.Misclassified(m.index(), m.label(), m.predicted(), image ? m.features() : null,
                image ? m.shape()[1] : 0, image ? m.shape()[2] : 0);
    }

    private static List<ReportPage.Misclassified> misclassified(MultiLayerNetwork network, JobData data,
                                                                Configuration hadoop, int batchSize) {
        List<ReportPage.Misclassified> wrong = new ArrayList<>();
        for (int start = 0; start < data.testSize() && wrong.size() < SHOWN; start += CHUNK) {
            Examples test = data.loadTest(start, Math.min(start + CHUNK, data.testSize()), hadoop);
            int[] order = IntStream.range(0, test.size()).toArray();
            for (int from = 0; from < test.size() && wrong.size() < SHOWN; from += batchSize) {
                int to = Math.min(from + batchSize, test.size());
                DataSet batch = test.minibatch(order, from, to);
                INDArray out = network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                        batch.getLabelsMaskArray());
                if (out.rank() != 2) {
                    return wrong; // per-step outputs: no single class per example to show
                }
                Misclassified.among(out, batch.getLabels(), batch.getFeatures(), start + from, SHOWN - wrong.size())
                        .forEach(m -> wrong.add(shown(m)));
            }
        }
        return wrong;
    }
}
