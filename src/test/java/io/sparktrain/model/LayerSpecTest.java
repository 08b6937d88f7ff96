package io.sparktrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Layers built in Java code fail as the same layers read from a job file do: one line, the rule, the value. */
class LayerSpecTest {

    private static String error(Executable build) {
        return assertThrows(ModelSpecException.class, build).getMessage();
    }

    private static String configError(String layer) {
        return assertThrows(ConfigException.class, () -> JobConfigLoader.fromString(
                "model.preset = \"\"\nmodel.layers = [" + layer + ", { type = output }]")).getMessage();
    }

    @Test
    void zeroStrideBuiltInCodeIsRejectedBeforeShapeInference() {
        // Before the records checked themselves this reached ShapeInference's division: ArithmeticException.
        assertEquals("conv.stride must be > 0, got [0, 1]", error(() -> new LayerSpec.Conv(4, 3, 3, 0, 1,
                Padding.VALID, 1, 1, Activation.RELU, 0.01)));
        assertEquals("model.layers[0].stride must be > 0, got [0, 1]",
                configError("{ type = conv, filters = 4, kernel = 3, stride = [0, 1] }"));
    }

    @Test
    void everyLayerChecksItsOwnSettingsWithTheSameRuleAsTheJobFile() {
        assertEquals("conv.filters must be > 0, got 0", error(() -> LayerSpec.Conv.of(0, 3)));
        assertEquals("model.layers[0].filters must be > 0, got 0", configError("{ type = conv, filters = 0, kernel = 3 }"));
        assertEquals("maxpool.kernel must be > 0, got [-1, -1]", error(() -> LayerSpec.Pool.of(true, -1)));
        assertEquals("model.layers[0].kernel must be > 0, got [-1, -1]", configError("{ type = maxpool, kernel = -1 }"));
        assertEquals("dense.units must be > 0, got 0", error(() -> LayerSpec.Dense.of(0)));
        assertEquals("dropout.rate must be in [0, 1), got 1.0", error(() -> new LayerSpec.Dropout(1.0)));
        assertEquals("conv.alpha must be in (0, 1), got 2.0", error(() -> new LayerSpec.Conv(4, 3, 3, 1, 1,
                Padding.VALID, 1, 1, Activation.LEAKYRELU, 2.0)));
        assertEquals("model.layers[0].alpha must be in (0, 1), got 2.0",
                configError("{ type = conv, filters = 4, kernel = 3, activation = leakyrelu, alpha = 2 }"));
        assertEquals("lstm.units must be > 0, got 0", error(() -> LayerSpec.Recurrent.of(LayerSpec.Cell.LSTM, 0)));
        assertEquals("conv.padding must be >= 0, got [-1, 0]", error(() -> LayerSpec.Conv.of(4, 3)
                .withPadding(new Padding(Padding.Mode.EXPLICIT, -1, 0))));
    }

    @Test
    void defaultsLiveInTheRecordsAndTheFileReaderUsesThem() {
        LayerSpec.Conv conv = (LayerSpec.Conv) JobConfigLoader.fromString(
                "model.preset = \"\"\nmodel.layers = [{ type = conv, filters = 4, kernel = 3 }, { type = output }]")
                .model().layers().get(0);
        assertEquals(LayerSpec.Conv.of(4, 3), conv);
        LayerSpec.Pool pool = (LayerSpec.Pool) JobConfigLoader.fromString(
                "model.preset = \"\"\nmodel.layers = [{ type = maxpool, kernel = 2 }, { type = output }]")
                .model().layers().get(0);
        assertEquals(LayerSpec.Pool.of(true, 2), pool);
    }

    @Test
    void sizesTakenFromTheDataAreSaidSoInTheTypedConfiguration() {
        var csv = JobConfigLoader.fromString("data.format = csv\nmodel.preset = lstm\nmodel.classes = 6").model();
        assertEquals(java.util.OptionalInt.empty(), csv.features());
        assertEquals(java.util.OptionalInt.of(6), csv.classes());
        assertEquals(Shape.sequence(3), csv.resolve(3, 6).input());
        assertEquals("model.classes is 6 but the data have 4 classes",
                assertThrows(ConfigException.class, () -> csv.resolve(3, 4)).getMessage());
        var fixed = JobConfigLoader.fromString("data.format = csv\nmodel.preset = lstm\nmodel.input.features = 5")
                .model();
        assertEquals("model.input.features is 5 but the data have 3 features per step",
                assertThrows(ConfigException.class, () -> fixed.resolve(3, 10)).getMessage());
        var text = JobConfigLoader.fromString("data { format = text, text.file = t.txt }\nmodel.preset = lstm\n"
                + "model.output = sequence").model();
        assertEquals(java.util.OptionalInt.empty(), text.classes());
        assertEquals(40, text.resolve(40, 40).classes());
    }
}
