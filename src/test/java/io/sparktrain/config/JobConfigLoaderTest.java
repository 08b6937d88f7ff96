package io.sparktrain.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.Padding;
import io.sparktrain.model.ScheduleSpec;
import io.sparktrain.model.UpdaterSpec;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class JobConfigLoaderTest {

    private static String error(String hocon) {
        return assertThrows(ConfigException.class, () -> JobConfigLoader.fromString(hocon)).getMessage();
    }

    @Test
    void defaultJobFileLoadsWithTheContractKeys() {
        JobConfig job = JobConfigLoader.load("conf/mnist-cnn.conf", List.of(), new Configuration());
        assertEquals("mnist-cnn", job.name());
        assertEquals("data/mnist", job.data().dir());
        assertEquals(2, job.training().workers());
        assertEquals(32, job.training().batchSizePerWorker());
        assertEquals(2, job.training().epochs());
        assertEquals(0.006, job.training().updater().learningRate());
        assertEquals(ScheduleSpec.Kind.ONECYCLE, job.training().updater().schedule().kind());
        assertEquals(UpdaterSpec.Kind.ADAM, job.training().updater().kind());
        assertEquals("local[2]", job.sparkMaster());
        assertEquals("preset two-block-cnn", job.model().name());
    }

    @Test
    void setOverridesWinAndFeedSubstitutions() {
        JobConfig job = JobConfigLoader.load("conf/mnist-cnn.conf",
                List.of("training.workers=3", "training.updater=nesterovs", "data.dir=hdfs://nn:8020/mnist",
                        "training.learningRate=0.05"), new Configuration());
        assertEquals(3, job.training().workers());
        assertEquals("local[3]", job.sparkMaster());
        assertEquals("hdfs://nn:8020/mnist", job.data().dir());
        assertEquals(0.05, job.training().updater().learningRate());
        assertEquals(UpdaterSpec.Kind.NESTEROVS, job.training().updater().kind());
        assertEquals("local[2,4]", JobConfigLoader.load("conf/mnist-cnn.conf", List.of("spark.master=local[2,4]"),
                new Configuration()).sparkMaster());
    }

    @Test
    void invalidValuesNameTheKeyTheRuleAndTheValue() {
        assertEquals("training.batchSizePerWorker must be > 0, got -3", error("training.batchSizePerWorker = -3"));
        assertEquals("training.updater must be one of [adam, sgd, nesterovs], got \"rmsprop\"",
                error("training.updater = rmsprop"));
        assertEquals("model.preset must be one of [lenet5, two-block-cnn, lstm, gru, bidirectional, simple-rnn] "
                + "or \"\", got \"vgg\"",
                error("model.preset = vgg"));
        assertTrue(error("training.epochs = many").contains("training.epochs"));
        assertEquals("training.learningRateDecay must be in (0, 1], got 0.0", error("training.learningRateDecay = 0"));
    }

    private static String setError(String... overrides) {
        return assertThrows(ConfigException.class, () -> JobConfigLoader.load("conf/mnist-cnn.conf",
                List.of(overrides), new Configuration())).getMessage();
    }

    @Test
    void unknownKeysAreRejectedWithTheNearestKnownKey() {
        assertEquals("unknown key training.epoch (did you mean training.epochs?) in --set training.epoch=3: 1",
                setError("training.epoch=3"));
        assertEquals("unknown key training.epoch (did you mean training.epochs?) in String: 1",
                error("training.epoch = 3"));
        // An unknown section: the suggestion keeps the rest of the key when that is a known key.
        assertEquals("unknown key trainig.epochs (did you mean training.epochs?) in String: 1",
                error("trainig.epochs = 3"));
        assertEquals("unknown key training.schedual.kind (did you mean training.schedule.kind?) in String: 1",
                error("training.schedual.kind = step"));
        assertEquals("unknown key modle.foo (did you mean model?) in String: 1", error("modle.foo = 3"));
        assertEquals("unknown key training.lr (String: 1); the keys a job can set are in "
                + "src/main/resources/sparktrain-reference.conf", error("training.lr = 0.1"));
        assertEquals("unknown key optimizer (String: 1); the keys a job can set are in "
                + "src/main/resources/sparktrain-reference.conf", error("optimizer = adam"));
        // Case slips are typos too.
        assertEquals("unknown key training.learningrate (did you mean training.learningRate?) in String: 1",
                error("training.learningrate = 0.1"));
    }

    @Test
    void aValueWhereTheDefaultsHaveASectionIsNamed() {
        assertEquals("training is a section, not a value; set its keys (aggregation, averagingFrequency, "
                + "batchSizePerWorker, clipping, ...) instead, got 5 in --set training=5: 1", setError("training=5"));
        assertEquals("data.csv is a section, not a value; set its keys (header, layout, standardize) instead, got "
                + "\"files\" in String: 1", error("data.csv = files"));
        assertEquals("training.epochs is a value, not a section, so training.epochs.a is not a key; set "
                + "training.epochs itself (String: 1)", error("training.epochs { a = 1 }"));
    }

    @Test
    void integerKeysRefuseFractions() {
        assertEquals("training.epochs must be a whole number, got 1.5", error("training.epochs = 1.5"));
        assertEquals("training.epochs must be a whole number, got 1.5", setError("training.epochs=1.5"));
        assertEquals("training.epochs must be a whole number, got \"1.5\"", error("training.epochs = \"1.5\""));
        assertEquals("training.epochs must be a whole number, got \"many\"", error("training.epochs = many"));
        assertEquals("training.epochs must be a whole number, got [1]", error("training.epochs = [1]"));
        assertEquals("training.epochs must be a whole number, got \"" + "9".repeat(50) + "\"",
                error("training.epochs = \"" + "9".repeat(50) + "\""));
        assertEquals("training.seed must be a whole number, got 0.5", error("training.seed = 0.5"));
        assertEquals("training.workers must be a whole number in [-2147483648, 2147483647], got 3000000000",
                error("training.workers = 3000000000"));
        assertEquals("model.layers[0].filters must be a whole number, got 4.5",
                error("model.preset = \"\", model.layers = [{ type = conv, filters = 4.5, kernel = 3 },"
                        + "{ type = output }]"));
        assertEquals("model.layers[0].kernel[1] must be a whole number, got 2.5",
                error("model.preset = \"\", model.layers = [{ type = conv, filters = 4, kernel = [3, 2.5] },"
                        + "{ type = output }]"));
        assertEquals("data.text.window must be a whole number, got 7.5",
                error("data { format = text, text.file = t.txt, text.window = 7.5 }\nmodel.preset = lstm"));
        // A whole number written with a decimal point or an exponent is still whole.
        assertEquals(3, JobConfigLoader.fromString("training.epochs = 3.0").training().epochs());
        assertEquals(1000, JobConfigLoader.fromString("training.evalBatchSize = 1e3").training().evalBatchSize());
    }

    @Test
    void longValuesAndKeysAreCutInTheMiddle() {
        String updater = error("training.updater = " + "x".repeat(3000));
        assertTrue(updater.startsWith("training.updater must be one of [adam, sgd, nesterovs], got \"xxx"), updater);
        assertTrue(updater.contains("...") && updater.length() < 300, updater);
        String name = error("name = \"" + "x".repeat(3000) + "!\"");
        assertTrue(name.endsWith("xxx!\"") && name.contains("...") && name.length() < 300, name);
        String layer = error("model.preset = \"\", model.layers = [{ type = conv, " + "y".repeat(3000) + " = 1 }]");
        assertTrue(layer.startsWith("model.layers[0].yyy") && layer.contains("...") && layer.length() < 300, layer);
    }

    @Test
    void malformedSetIsOneClearLine() {
        assertEquals("--set training.epochs= has no value; write --set training.epochs=VALUE (\"\" for an empty "
                + "string)", setError("training.epochs="));
        assertEquals("--set training.epochs=   has no value; write --set training.epochs=VALUE (\"\" for an empty "
                + "string)", setError("training.epochs=  "));
        assertEquals("--set training.epochs has no '='; write --set key=value, e.g. --set training.epochs=5",
                setError("training.epochs"));
        assertEquals("--set =5 names no key; write --set key=value, e.g. --set training.epochs=5", setError("=5"));
        // An explicitly empty string is a value.
        assertEquals("", JobConfigLoader.load("conf/mnist-cnn.conf", List.of("checkpoint.dir=\"\""),
                new Configuration()).checkpoint().dir());
        // Text that is not HOCON is a string, and a type error names where it came from.
        assertTrue(setError("training.learningRate=fast").startsWith("--set training.learningRate=fast: "),
                setError("training.learningRate=fast"));
    }

    @Test
    void onlyTheChosenDataFormatsSettingsAreChecked() {
        JobConfig csv = JobConfigLoader.fromString("data { format = csv, dir = x, maxSequenceLength = 50 }\n"
                + "model.preset = lstm");
        assertEquals(50, csv.data().maxSequenceLength());
        JobConfig mnist = JobConfigLoader.fromString("data { text.window = -1, text.testFraction = 7, "
                + "seqMnist.steps = columns, csv.layout = diagonal, csv.header = maybe }");
        assertEquals(DataConfig.Format.MNIST, mnist.data().format());
        // The chosen format's settings are checked, with the same values.
        assertEquals("data.text.window must be <= data.maxSequenceLength (50), got 100",
                error("data { format = text, text.file = t.txt, maxSequenceLength = 50 }\nmodel.preset = lstm"));
        assertEquals("data.csv.layout must be one of [files, single], got \"diagonal\"",
                error("data { format = csv, dir = x, csv.layout = diagonal }\nmodel.preset = lstm"));
        assertEquals("data.seqMnist.steps must be \"rows\" or \"pixels\", got \"columns\"",
                error("data { format = seq-mnist, seqMnist.steps = columns }\nmodel.preset = lstm"));
        // Keys of other formats must still be known keys.
        assertEquals("unknown key data.text.windw (did you mean data.text.window?) in String: 1",
                error("data { format = csv, dir = x, text.windw = 5 }"));
    }

    @Test
    void missingConfigFileIsAUsageError() {
        assertEquals("config file conf/nope.conf not found", assertThrows(ConfigException.class,
                () -> JobConfigLoader.load("conf/nope.conf", List.of(), new Configuration())).getMessage());
    }

    @Test
    void explicitLayersAreParsedWithTheirDefaults() {
        JobConfig job = JobConfigLoader.fromString("""
                model.preset = ""
                model.layers = [
                  { type = conv, filters = 8, kernel = [5, 3], padding = same, activation = leakyrelu, alpha = 0.2 }
                  { type = maxpool }
                  { type = dropout, rate = 0.25 }
                  { type = dense, units = 32 }
                  { type = output }
                ]
                """);
        List<LayerSpec> layers = job.model().layers();
        LayerSpec.Conv conv = (LayerSpec.Conv) layers.get(0);
        assertEquals(5, conv.kernelH());
        assertEquals(3, conv.kernelW());
        assertEquals(Padding.SAME, conv.padding());
        assertEquals(0.2, conv.alpha());
        LayerSpec.Pool pool = (LayerSpec.Pool) layers.get(1);
        assertEquals(2, pool.strideH());
        assertEquals(new LayerSpec.Dropout(0.25), layers.get(2));
    }

    @Test
    void recurrentLayersAndSequenceSettingsAreParsed() {
        JobConfig job = JobConfigLoader.fromString("""
                data { format = csv, dir = "x", csv.layout = single }
                model.preset = ""
                model.output = sequence
                model.layers = [
                  { type = bidirectional, units = 16, merge = add }
                  { type = simple-rnn, units = 8, activation = relu }
                  { type = output }
                ]
                training.tbpttLength = 20
                """);
        assertEquals(DataConfig.Format.CSV, job.data().format());
        assertEquals(io.sparktrain.data.CsvSequences.Layout.SINGLE, job.data().csvLayout());
        assertEquals(io.sparktrain.model.OutputMode.SEQUENCE, job.model().output());
        assertEquals(new LayerSpec.Recurrent(LayerSpec.Cell.LSTM, 16, io.sparktrain.model.Activation.TANH,
                LayerSpec.Direction.BIDIRECTIONAL_ADD), job.model().layers().get(0));
        assertEquals(new LayerSpec.Recurrent(LayerSpec.Cell.SIMPLE_RNN, 8, io.sparktrain.model.Activation.RELU,
                LayerSpec.Direction.FORWARD), job.model().layers().get(1));
        assertEquals(20, job.training().tbpttLength());
        assertEquals("data.format must be one of [mnist, seq-mnist, csv, text, parquet], got \"images\"",
                error("data.format = images"));
        assertEquals("model.rnn.merge must be \"concat\" or \"add\", got \"mean\"",
                error("model.rnn.merge = mean"));
        assertEquals("data.text.file must be a file path or URI when data.format = text, got \"\"",
                error("data.format = text\nmodel.preset = lstm"));
        assertTrue(error("data { format = text, text.file = t.txt, trainLimit = 5 }\nmodel.preset = lstm")
                .startsWith("data.trainLimit and data.testLimit do not apply to data.format = text"));
        assertEquals("model.layers[0].cell must be lstm, gru or simple-rnn, got \"rnn\"",
                error("data.format = csv\nmodel.preset = \"\"\nmodel.layers = [{type = bidirectional, cell = rnn, "
                        + "units = 4}, {type = output}]"));
    }

    @Test
    void gruLayersBidirectionalGruAndTheGruPresetAreParsed() {
        JobConfig job = JobConfigLoader.fromString("""
                data { format = csv, dir = "x" }
                model.preset = ""
                model.layers = [
                  { type = gru, units = 12 }
                  { type = bidirectional, cell = gru, units = 6, merge = add }
                  { type = output }
                ]
                """);
        assertEquals(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 12, io.sparktrain.model.Activation.TANH,
                LayerSpec.Direction.FORWARD), job.model().layers().get(0));
        assertEquals(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 6, io.sparktrain.model.Activation.TANH,
                LayerSpec.Direction.BIDIRECTIONAL_ADD), job.model().layers().get(1));
        JobConfig preset = JobConfigLoader.fromString("""
                data.format = seq-mnist
                model { preset = gru, rnn { units = 20, layers = 2, dropout = 0.1 } }
                """);
        assertEquals(List.of(new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 20, io.sparktrain.model.Activation.TANH,
                        LayerSpec.Direction.FORWARD), new LayerSpec.Dropout(0.1),
                new LayerSpec.Recurrent(LayerSpec.Cell.GRU, 20, io.sparktrain.model.Activation.TANH,
                        LayerSpec.Direction.FORWARD), new LayerSpec.Output()), preset.model().layers());
    }

    @Test
    void gruMistakesNameTheKey() {
        String layers = "data.format = csv\nmodel.preset = \"\"\nmodel.layers = ";
        assertTrue(error(layers + "[{type = gru, units = 8, activation = relu}, {type = output}]").startsWith(
                "model.layers[0].activation is not a setting of a gru layer; allowed: "), error(layers
                + "[{type = gru, units = 8, activation = relu}, {type = output}]"));
        assertEquals("model.layers[0].units must be > 0, got 0",
                error(layers + "[{type = gru, units = 0}, {type = output}]"));
        assertEquals("model.layers[0].activation must be tanh for a GRU (its candidate is tanh, as in PyTorch), "
                + "got RELU", error(layers + "[{type = bidirectional, cell = gru, units = 4, activation = relu}, "
                + "{type = output}]"));
        assertEquals("training.tbpttLength must be 0 for a GRU network (the GRU layer runs whole sequences only), "
                + "got 5", error(layers + "[{type = gru, units = 4}, {type = output}]\nmodel.output = sequence\n"
                + "training.tbpttLength = 5"));
    }

    @Test
    void layerShapesAreCheckedWhenTheJobIsRead() {
        String message = error("""
                model.preset = ""
                model.layers = [ { type = conv, filters = 4, kernel = 3 }, { type = maxpool, kernel = 3, stride = 2 },
                                 { type = output } ]
                """);
        assertTrue(message.startsWith("model.layers[1] (maxpool): height (26 - 3 + 2*0)/2 + 1 = 12.50"), message);
    }

    @Test
    void layerSettingsAreCheckedByName() {
        assertEquals("model.layers[0].stirde is not a setting of a conv layer; allowed: ",
                error("model.preset = \"\", model.layers = [{ type = conv, filters = 4, kernel = 3, stirde = 2 },"
                        + "{ type = output }]").replaceAll("allowed: .*", "allowed: "));
        assertEquals("model.layers[0].rate must be in [0, 1), got 1.5",
                error("model.preset = \"\", model.layers = [{ type = dropout, rate = 1.5 }, { type = output }]"));
    }
}
