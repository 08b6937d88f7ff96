package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.ModelSpecException;
import io.sparktrain.data.CsvSequences;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Presets;
import io.sparktrain.model.Shape;
import io.sparktrain.model.ScheduleSpec;
import io.sparktrain.model.UpdaterSpec;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads a job: the defaults in {@code sparktrain-reference.conf}, then the job file, then {@code --set key=value}
 * overrides, validated into a {@link JobConfig}. Every problem is a {@link ConfigException} with one line naming
 * the key (and the file and line where Typesafe Config knows them); a key the defaults do not list is a typo.
 */
public final class JobConfigLoader {

    private static final String REFERENCE = "sparktrain-reference.conf";

    private JobConfigLoader() {
    }

    /**
     * @param jobFile a HOCON file, local path or Hadoop URI
     * @param overrides {@code key=value} strings; values are HOCON (numbers, quoted strings, lists) or bare text
     * @param hadoop resolves the file's file system
     */
    public static JobConfig load(String jobFile, List<String> overrides, Configuration hadoop) {
        return fromConfig(overrides(overrides).withFallback(readFile(jobFile, hadoop)));
    }

    /** Validates a job given as HOCON text (the defaults fill in the rest). */
    public static JobConfig fromString(String hocon) {
        return fromConfig(parse(() -> ConfigFactory.parseString(hocon)));
    }

    /** Validates a job from already-merged user settings (defaults fill in the rest). */
    public static JobConfig fromConfig(Config user) {
        Config reference = parse(() -> ConfigFactory.parseResources(JobConfigLoader.class.getClassLoader(), REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false)));
        rejectUnknownKeys(user, reference);
        Config c = parse(() -> user.withFallback(reference).resolve());
        return read(c);
    }

    private static JobConfig read(Config c) {
        return parse(() -> {
            String steps = c.getString("data.seqMnist.steps");
            if (!steps.equals("rows") && !steps.equals("pixels")) {
                throw ConfigException.invalid("data.seqMnist.steps", "be \"rows\" or \"pixels\"", "\"" + steps + "\"");
            }
            DataConfig data = new DataConfig(
                    format(c.getString("data.format")),
                    c.getString("data.dir"), c.getInt("data.trainLimit"), c.getInt("data.testLimit"),
                    c.getInt("data.maxSequenceLength"), steps.equals("pixels"),
                    enumValue(CsvSequences.Layout.class, "data.csv.layout", c.getString("data.csv.layout")),
                    c.getBoolean("data.csv.header"), c.getBoolean("data.csv.standardize"),
                    c.getString("data.text.file"), c.getInt("data.text.window"), c.getInt("data.text.stride"),
                    c.getDouble("data.text.testFraction"));
            UpdaterSpec updater = updater(c);
            TrainingConfig training = new TrainingConfig(c.getInt("training.epochs"), c.getInt("training.workers"),
                    c.getInt("training.batchSizePerWorker"), c.getInt("training.averagingFrequency"), updater,
                    c.getLong("training.seed"), c.getInt("training.evalBatchSize"), c.getInt("training.tbpttLength"),
                    new DivergenceConfig(c.getDouble("training.divergence.lossFactor"),
                            c.getDouble("training.divergence.maxParameter"),
                            c.getInt("training.divergence.risingRounds")));
            ModelConfig model = model(c, data.format());
            if (training.tbpttLength() > 0 && model.output() != OutputMode.SEQUENCE) {
                throw ConfigException.invalid("training.tbpttLength", "be 0 unless model.output = sequence "
                        + "(truncated BPTT needs a label at every step)", training.tbpttLength());
            }
            String name = c.getString("name");
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw ConfigException.invalid("name", "use only letters, digits, '.', '_' and '-'", "\"" + name + "\"");
            }
            RetrainConfig retrain = new RetrainConfig(c.getDouble("retrain.gate.accuracyMargin"),
                    c.getDouble("retrain.gate.lossMargin"), c.getDouble("retrain.gate.minAccuracy"),
                    c.getDouble("retrain.replay"), c.getInt("retrain.keep"), c.getInt("retrain.lockLeaseSeconds"),
                    c.getInt("retrain.lockWaitSeconds"));
            CheckpointConfig checkpoint = new CheckpointConfig(c.getInt("checkpoint.everyRounds"),
                    c.getInt("checkpoint.keep"), c.getString("checkpoint.dir"));
            return new JobConfig(name, data, model, training, retrain, checkpoint, c.getString("spark.master"), c);
        });
    }

    /** The optimiser with its schedule and clipping; their own rules name the {@code training.*} key at fault. */
    private static UpdaterSpec updater(Config c) {
        try {
            ScheduleSpec schedule = new ScheduleSpec(
                    enumValue(ScheduleSpec.Kind.class, "training.schedule.kind", c.getString("training.schedule.kind")),
                    c.getInt("training.schedule.stepEpochs"), c.getDouble("training.schedule.minLearningRate"),
                    c.getDouble("training.schedule.warmupEpochs"));
            UpdaterSpec.Clipping clipping = new UpdaterSpec.Clipping(enumValue(UpdaterSpec.ClipKind.class,
                    "training.clipping.kind", c.getString("training.clipping.kind")),
                    c.getDouble("training.clipping.threshold"));
            return new UpdaterSpec(
                    enumValue(UpdaterSpec.Kind.class, "training.updater", c.getString("training.updater")),
                    c.getDouble("training.learningRate"), c.getDouble("training.momentum"),
                    c.getDouble("training.learningRateDecay"), schedule, clipping, 0, 0);
        } catch (io.sparktrain.model.ModelSpecException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static ModelConfig model(Config c, DataConfig.Format format) {
        Shape images = Shape.map(positive(c, "model.input.channels"), positive(c, "model.input.height"),
                positive(c, "model.input.width"));
        int features = c.getInt("model.input.features");
        if (features < 0) {
            throw ConfigException.invalid("model.input.features", "be >= 0 (0 = from the data)", features);
        }
        int classes = c.getInt("model.classes");
        OutputMode output = enumValue(OutputMode.class, "model.output", c.getString("model.output"));
        Presets.RnnSettings rnn;
        try {
            rnn = new Presets.RnnSettings(c.getInt("model.rnn.units"), c.getInt("model.rnn.layers"),
                    c.getDouble("model.rnn.dropout"),
                    LayerSpecParser.merge(c.getString("model.rnn.merge"), "model.rnn.merge"));
        } catch (ModelSpecException e) {
            throw new ConfigException(e.getMessage());
        }
        String preset = c.getString("model.preset");
        List<? extends Config> layerList = c.getConfigList("model.layers");
        List<LayerSpec> layers;
        String name;
        if (!preset.isEmpty()) {
            if (!layerList.isEmpty()) {
                throw new ConfigException("model.preset (\"" + preset + "\") and model.layers are both set; "
                        + "set model.preset = \"\" to use the layers");
            }
            layers = Presets.layers(preset, rnn).orElseThrow(() -> ConfigException.invalid("model.preset",
                    "be one of " + Presets.names() + " or \"\"", "\"" + preset + "\""));
            name = "preset " + preset;
        } else {
            if (layerList.isEmpty()) {
                throw new ConfigException("model.layers is empty and model.preset is \"\": give one or the other");
            }
            layers = new ArrayList<>();
            for (int i = 0; i < layerList.size(); i++) {
                layers.add(LayerSpecParser.parse(layerList.get(i), "model.layers[" + i + "]"));
            }
            name = "model.layers";
        }
        // Text takes features and classes from its vocabulary; other sequences take their features from the data
        // when model.input.features = 0.
        boolean text = format == DataConfig.Format.TEXT;
        return new ModelConfig(name, layers, images, format.sequences(),
                text || features == 0 ? OptionalInt.empty() : OptionalInt.of(features),
                text ? OptionalInt.empty() : OptionalInt.of(classes), output);
    }

    private static DataConfig.Format format(String name) {
        return switch (name) {
            case "mnist" -> DataConfig.Format.MNIST;
            case "seq-mnist" -> DataConfig.Format.SEQ_MNIST;
            case "csv" -> DataConfig.Format.CSV;
            case "text" -> DataConfig.Format.TEXT;
            default -> throw ConfigException.invalid("data.format", "be one of [mnist, seq-mnist, csv, text]",
                    "\"" + name + "\"");
        };
    }

    private static int positive(Config c, String path) {
        int v = c.getInt(path);
        if (v <= 0) {
            throw ConfigException.invalid(path, "be > 0", v);
        }
        return v;
    }

    /** The constant of {@code type} named {@code value} in any case, or an error naming {@code key}. */
    static <E extends Enum<E>> E enumValue(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                names.add(constant.name().toLowerCase(Locale.ROOT));
            }
            throw ConfigException.invalid(key, "be one of " + names, "\"" + value + "\"");
        }
    }

    private static void rejectUnknownKeys(Config user, Config reference) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String path = e.getKey();
            if (!reference.hasPathOrNull(path)) {
                String where = e.getValue().origin().description();
                throw new ConfigException("unknown config key " + path + " (" + where + "); see "
                        + "src/main/resources/" + REFERENCE + " for the keys a job can set");
            }
        }
    }

    /** {@code key=value} strings as a configuration; a value that is not HOCON is taken as a string. */
    public static Config overrides(List<String> overrides) {
        Config result = ConfigFactory.empty();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set expects key=value, got \"" + o + "\"");
            }
            String key = o.substring(0, eq).trim();
            String value = o.substring(eq + 1);
            Config one;
            try {
                one = ConfigFactory.parseString(key + " = " + value,
                        ConfigParseOptions.defaults().setOriginDescription("--set " + o));
                if (!one.hasPathOrNull(key) || one.root().size() != 1) {
                    throw new com.typesafe.config.ConfigException.Generic("not a single key");
                }
            } catch (com.typesafe.config.ConfigException e) {
                // Not valid HOCON (e.g. local[2], a URI): take the text as a string.
                try {
                    one = ConfigFactory.empty("--set " + o).withValue(key, ConfigValueFactory.fromAnyRef(value));
                } catch (com.typesafe.config.ConfigException bad) {
                    throw new ConfigException("--set " + o + ": " + bad.getMessage());
                }
            }
            result = one.withFallback(result);
        }
        return result;
    }

    private static Config readFile(String jobFile, Configuration hadoop) {
        Path path = new Path(jobFile);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new ConfigException("config file " + jobFile + " not found");
            }
            try (Reader r = new InputStreamReader(fs.open(path), StandardCharsets.UTF_8)) {
                return parse(() -> ConfigFactory.parseReader(r,
                        ConfigParseOptions.defaults().setOriginDescription(jobFile)));
            }
        } catch (IOException e) {
            throw new ConfigException("config file " + jobFile + ": cannot read: " + e.getMessage());
        }
    }

    /** Runs a Typesafe Config call, turning its exceptions (which name file, line and key) into ours. */
    private static <T> T parse(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage().replace('\n', ' '));
        }
    }
}
