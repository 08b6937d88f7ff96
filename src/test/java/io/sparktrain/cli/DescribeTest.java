package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.model.ModelSummary;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.UpdaterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code describe}: Keras-style summaries whose counts were worked out by hand, and DL4J agreeing with them. */
class DescribeTest {
    @TempDir
    Path tmp;
    private final CliRun cli = new CliRun();

    private List<String> describe(String hocon) throws IOException {
        Path job = Files.writeString(tmp.resolve("job.conf"), hocon);
        assertEquals(ExitCode.OK, cli.run("describe", job.toString()), cli.stderr());
        return cli.stdout().lines().toList();
    }

    /** DL4J's own count for the same job, built as training builds it. */
    private static long dl4jParams(String hocon) {
        NetworkSpec spec = JobConfigLoader.fromString(hocon).model().resolve();
        return NetworkFactory.network(spec, new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0), 1).numParams();
    }

    private static void row(List<String> lines, String layer, String shape, String params) {
        assertTrue(lines.stream().anyMatch(l -> l.matches(" " + java.util.regex.Pattern.quote(layer) + " +"
                + java.util.regex.Pattern.quote(shape) + " +" + java.util.regex.Pattern.quote(params))),
                layer + " " + shape + " " + params + " in\n" + String.join("\n", lines));
    }

    @Test
    void validConvolutionPoolingAndADenseHeadAfterFlattening() throws IOException {
        String job = """
                model { preset = "", layers = [
                  { type = conv, filters = 6, kernel = 5 }, { type = maxpool, kernel = 2 },
                  { type = dense, units = 100 }, { type = output } ] }
                """;
        List<String> lines = describe(job);
        // 28 - 5 + 1 = 24; 6 x (1 x 5 x 5) + 6 = 156; pooled 12 x 12 x 6 = 864 inputs: 864 x 100 + 100 = 86,500.
        row(lines, "0 (conv)", "[6, 24, 24]", "156");
        row(lines, "1 (maxpool)", "[6, 12, 12]", "0");
        row(lines, "2 (dense)", "[100]", "86,500");
        row(lines, "3 (output)", "[10]", "1,010");
        assertTrue(lines.contains("Total params: 87,666"), String.join("\n", lines));
        assertTrue(lines.contains("Trainable params: 87,666"));
        assertEquals(87_666, dl4jParams(job));
        // 2 x (150 x 576 + 86,400 + 1,000) MACs.
        assertTrue(lines.contains("Forward FLOPs per example: 347,600"), String.join("\n", lines));
    }

    @Test
    void strideFourElevenByElevenConvolutionOnALargeInput() throws IOException {
        String job = """
                model { preset = "", input { channels = 3, height = 227, width = 227 }, layers = [
                  { type = conv, filters = 96, kernel = 11, stride = 4 }, { type = output } ] }
                """;
        List<String> lines = describe(job);
        // (227 - 11)/4 + 1 = 55; 96 x 3 x 11 x 11 + 96 = 34,944; 96 x 55 x 55 = 290,400 inputs to the output layer.
        row(lines, "0 (conv)", "[96, 55, 55]", "34,944");
        row(lines, "1 (output)", "[10]", "2,904,010");
        assertTrue(lines.contains("Total params: 2,938,954"), String.join("\n", lines));
        assertEquals(2_938_954, dl4jParams(job));
        assertTrue(lines.contains("Forward FLOPs per example: 216,638,400"), String.join("\n", lines));
    }

    @Test
    void lstmAndBidirectionalLayers() throws IOException {
        String lstm = """
                data.format = seq-mnist
                model { preset = lstm, input.features = 28, rnn.units = 128 }
                """;
        List<String> lines = describe(lstm);
        // 4 x (128 x (28 + 128) + 128) = 80,384, as Keras counts LSTM(128) on 28 features.
        row(lines, "0 (lstm)", "[128]", "80,384");
        row(lines, "1 (output)", "[10]", "1,290");
        assertEquals(81_674, dl4jParams(lstm));
        assertTrue(lines.contains("Forward FLOPs per time step: 162,304"), String.join("\n", lines));

        String bidirectional = """
                data.format = seq-mnist
                model { preset = bidirectional, input.features = 28, rnn { units = 64, merge = concat } }
                """;
        lines = describe(bidirectional);
        // Two directions of 4 x (64 x (28 + 64) + 64) = 23,808; the output layer sees 128 values.
        row(lines, "0 (bidirectional)", "[128]", "47,616");
        row(lines, "1 (output)", "[10]", "1,290");
        assertEquals(48_906, dl4jParams(bidirectional));
    }

    @Test
    void gruLayersCountPyTorchsParameters() throws IOException {
        String gru = """
                data.format = seq-mnist
                model { preset = gru, input.features = 28, rnn.units = 128 }
                """;
        List<String> lines = describe(gru);
        // 3 x 128 x (28 + 128) + 2 x 3 x 128 = 60,672, as PyTorch counts nn.GRU(28, 128) (two biases per gate).
        row(lines, "0 (gru)", "[128]", "60,672");
        row(lines, "1 (output)", "[10]", "1,290");
        assertEquals(61_962, dl4jParams(gru));

        String bidirectional = """
                data.format = seq-mnist
                model { preset = "", input.features = 28, output = sequence,
                        layers = [ { type = bidirectional, cell = gru, units = 16, merge = add }, { type = output } ] }
                """;
        lines = describe(bidirectional);
        row(lines, "0 (bidirectional)", "[16 x steps]", String.format("%,d", 2 * (3 * 16 * (28 + 16) + 6 * 16)));
        assertEquals(2 * (3 * 16 * (28 + 16) + 6 * 16) + 16 * 10 + 10, dl4jParams(bidirectional));
    }

    @Test
    void anImpossibleLayerIsRejectedWithItsNumbersAndExitTwo() throws IOException {
        Path job = Files.writeString(tmp.resolve("bad.conf"), """
                model { preset = "", layers = [ { type = conv, filters = 4, kernel = 3 },
                  { type = maxpool, kernel = 3, stride = 2 }, { type = output } ] }
                """);
        assertEquals(ExitCode.USAGE, cli.run("describe", job.toString()));
        assertEquals("sparktrain: model.layers[1] (maxpool): height (26 - 3 + 2*0)/2 + 1 = 12.50 is not a whole number; "
                + "change the kernel, stride or padding", cli.stderr().strip());
    }

    @Test
    void fusedBlocksAreDescribedAsTheLayersTheUserWrote() {
        NetworkSpec spec = JobConfigLoader.fromString("model.preset = two-block-cnn").model().resolve();
        ModelSummary summary = ModelSummary.of(spec);
        assertEquals(List.of("conv", "maxpool", "conv", "maxpool", "output"),
                summary.rows().stream().map(ModelSummary.Row::type).toList());
        assertEquals(NetworkFactory.network(spec, new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.001, 0), 1).numParams(),
                summary.totalParams());
    }
}
