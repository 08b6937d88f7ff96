package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
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
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads a job: the defaults in {@code sparktrain-reference.conf}, then the job file, then {@code --set key=value}
 * overrides, validated into a {@link JobConfig}. Every problem is a {@link ConfigException} with one line naming
 * the key (and the file and line where Typesafe Config knows them); a key the defaults do not list is a typo
 * ({@link KnownKeys}). The job file and its includes are read by {@link JobFile}, through Hadoop's file systems.
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
        try {
            return fromConfig(overrides(overrides).withFallback(JobFile.read(jobFile, hadoop)));
        } catch (StackOverflowError e) {
            // Typesafe Config recurses per nesting level (braces or dotted keys); JobFile bounds braces, this the rest.
            throw new ConfigException("config file " + ConfigException.shorten(jobFile, 150) + " or its --set "
                    + "values nest too deeply for the parser; a job nests a few levels");
        }
    }

    /** Validates a job given as HOCON text (the defaults fill in the rest). */
    public static JobConfig fromString(String hocon) {
        return fromConfig(parse(() -> ConfigFactory.parseString(hocon)));
    }

    /** Validates a job from already-merged user settings (defaults fill in the rest). */
    public static JobConfig fromConfig(Config user) {
        Config reference = reference();
        KnownKeys.check(user, reference);
        Config c = parse(() -> user.withFallback(reference).resolve());
        return read(c, reference);
    }

    /** The known key nearest to {@code key} (a typo's likely meaning), if one is a slip or two away. */
    public static java.util.Optional<String> nearestKey(String key) {
        return KnownKeys.nearest(key, reference());
    }

    private static Config reference() {
        return parse(() -> ConfigFactory.parseResources(JobConfigLoader.class.getClassLoader(), REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false)));
    }

    private static JobConfig read(Config c, Config reference) {
        return parse(() -> {
            DataConfig.Format format = format(c.getString("data.format"));
            // Only the chosen format's settings are read and checked: a csv job must not fail on data.text.window.
            // The others take their defaults here (the job's own values stay in the effective configuration).
            Config seq = format == DataConfig.Format.SEQ_MNIST ? c : reference;
            Config csv = format == DataConfig.Format.CSV ? c : reference;
            Config text = format == DataConfig.Format.TEXT ? c : reference;
            DataConfig.Parquet parquet = format == DataConfig.Format.PARQUET ? new DataConfig.Parquet(
                    c.getString("data.parquet.path"), c.getString("data.parquet.features"),
                    c.getString("data.parquet.label"), integers(c, "data.parquet.shape")) : DataConfig.Parquet.NONE;
            String steps = seq.getString("data.seqMnist.steps");
            if (!steps.equals("rows") && !steps.equals("pixels")) {
                throw ConfigException.invalid("data.seqMnist.steps", "be \"rows\" or \"pixels\"", "\"" + steps + "\"");
            }
            integer(c, "data.timeoutSeconds"); // whole and in range here too, so every command refuses it up front
            DataConfig.timeoutSeconds(c);
            DataConfig data = new DataConfig(format,
                    c.getString("data.dir"), integer(c, "data.trainLimit"), integer(c, "data.testLimit"),
                    integer(c, "data.maxSequenceLength"), steps.equals("pixels"),
                    enumValue(CsvSequences.Layout.class, "data.csv.layout", csv.getString("data.csv.layout")),
                    csv.getBoolean("data.csv.header"), csv.getBoolean("data.csv.standardize"),
                    text.getString("data.text.file"), integer(text, "data.text.window"),
                    integer(text, "data.text.stride"), text.getDouble("data.text.testFraction"), parquet);
            UpdaterSpec updater = updater(c);
            TrainingConfig training = new TrainingConfig(integer(c, "training.epochs"),
                    integer(c, "training.workers"), integer(c, "training.batchSizePerWorker"),
                    integer(c, "training.averagingFrequency"), updater, whole(c, "training.seed", "training.seed",
                    Long.MIN_VALUE, Long.MAX_VALUE), integer(c, "training.evalBatchSize"),
                    integer(c, "training.tbpttLength"),
                    new DivergenceConfig(c.getDouble("training.divergence.lossFactor"),
                            c.getDouble("training.divergence.maxParameter"),
                            integer(c, "training.divergence.risingRounds")),
                    enumValue(TrainingConfig.Aggregation.class, "training.aggregation",
                            c.getString("training.aggregation")));
            ModelConfig model = model(c, data);
            if (training.tbpttLength() > 0 && model.output() != OutputMode.SEQUENCE) {
                throw ConfigException.invalid("training.tbpttLength", "be 0 unless model.output = sequence "
                        + "(truncated BPTT needs a label at every step)", training.tbpttLength());
            }
            if (training.tbpttLength() > 0 && model.layers().stream().anyMatch(l -> l instanceof LayerSpec.Recurrent r
                    && r.cell() == LayerSpec.Cell.GRU)) {
                throw ConfigException.invalid("training.tbpttLength", "be 0 for a GRU network (the GRU layer runs "
                        + "whole sequences only)", training.tbpttLength());
            }
            String name = c.getString("name");
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw ConfigException.invalid("name", "use only letters, digits, '.', '_' and '-'", "\"" + name + "\"");
            }
            RetrainConfig retrain = new RetrainConfig(c.getDouble("retrain.gate.accuracyMargin"),
                    c.getDouble("retrain.gate.lossMargin"), c.getDouble("retrain.gate.minAccuracy"),
                    c.getDouble("retrain.replay"), integer(c, "retrain.keep"), integer(c, "retrain.lockLeaseSeconds"),
                    integer(c, "retrain.lockWaitSeconds"));
            CheckpointConfig checkpoint = new CheckpointConfig(integer(c, "checkpoint.everyRounds"),
                    integer(c, "checkpoint.keep"), c.getString("checkpoint.dir"));
            return new JobConfig(name, data, model, training, retrain, checkpoint, c.getString("spark.master"), c);
        });
    }

    /** The optimiser with its schedule and clipping; their own rules name the {@code training.*} key at fault. */
    private static UpdaterSpec updater(Config c) {
        try {
            ScheduleSpec schedule = new ScheduleSpec(
                    enumValue(ScheduleSpec.Kind.class, "training.schedule.kind", c.getString("training.schedule.kind")),
                    integer(c, "training.schedule.stepEpochs"), c.getDouble("training.schedule.minLearningRate"),
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

    private static ModelConfig model(Config c, DataConfig data) {
        DataConfig.Format format = data.format();
        Shape images = Shape.map(positive(c, "model.input.channels"), positive(c, "model.input.height"),
                positive(c, "model.input.width"));
        int features = integer(c, "model.input.features");
        if (features < 0) {
            throw ConfigException.invalid("model.input.features", "be >= 0 (0 = from the data)", features);
        }
        int classes = integer(c, "model.classes");
        OutputMode output = enumValue(OutputMode.class, "model.output", c.getString("model.output"));
        Presets.RnnSettings rnn;
        try {
            rnn = new Presets.RnnSettings(integer(c, "model.rnn.units"), integer(c, "model.rnn.layers"),
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
        boolean sequences = format.sequences() || (format == DataConfig.Format.PARQUET && data.parquet().sequences());
        return new ModelConfig(name, layers, images, sequences,
                text || features == 0 ? OptionalInt.empty() : OptionalInt.of(features),
                text ? OptionalInt.empty() : OptionalInt.of(classes), output);
    }

    private static DataConfig.Format format(String name) {
        return switch (name) {
            case "mnist" -> DataConfig.Format.MNIST;
            case "seq-mnist" -> DataConfig.Format.SEQ_MNIST;
            case "csv" -> DataConfig.Format.CSV;
            case "text" -> DataConfig.Format.TEXT;
            case "parquet" -> DataConfig.Format.PARQUET;
            default -> throw ConfigException.invalid("data.format", "be one of [mnist, seq-mnist, csv, text, parquet]",
                    "\"" + name + "\"");
        };
    }

    private static int positive(Config c, String path) {
        int v = integer(c, path);
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

    /** An int setting; a fraction ({@code epochs = 1.5}) is an error, not silently truncated as getInt does. */
    /** A list of whole numbers at {@code path}, each named {@code path[i]} in messages. */
    private static List<Integer> integers(Config c, String path) {
        if (c.getValue(path).valueType() != com.typesafe.config.ConfigValueType.LIST) {
            throw ConfigException.invalid(path, "be a list of sizes, e.g. [1, 28, 28]",
                    c.getValue(path).render(ConfigRenderOptions.concise()));
        }
        List<Integer> out = new ArrayList<>();
        com.typesafe.config.ConfigList list = c.getList(path);
        for (int i = 0; i < list.size(); i++) {
            out.add((int) whole(list.get(i), path + "[" + i + "]", Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
        return out;
    }

    static int integer(Config c, String path) {
        return (int) whole(c, path, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An int setting at {@code path} in {@code c}, named {@code key} in messages. */
    static int integer(Config c, String path, String key) {
        return (int) whole(c, path, key, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * A whole-number setting in [{@code min}, {@code max}], given as a number or a numeric string.
     *
     * @param key the name for messages (a layer's setting has a longer name than its path in the layer)
     */
    static long whole(Config c, String path, String key, long min, long max) {
        return whole(c.getValue(path), key, min, max);
    }

    /** A whole number in [{@code min}, {@code max}] from one value, named {@code key} in messages. */
    static long whole(ConfigValue v, String key, long min, long max) {
        Object raw = v.unwrapped();
        BigDecimal n = null;
        try {
            if (raw instanceof Number number) {
                n = new BigDecimal(number.toString());
            } else if (raw instanceof String text && text.length() <= 40) { // longer is no int or long
                n = new BigDecimal(text.trim());
            }
        } catch (NumberFormatException e) {
            n = null; // infinities, NaN and text: reported below with the value as given
        }
        String shown = raw instanceof String ? "\"" + ConfigException.shorten((String) raw, 80) + "\""
                : ConfigException.shorten(v.render(ConfigRenderOptions.concise()), 80);
        if (n == null || n.stripTrailingZeros().scale() > 0) {
            throw ConfigException.invalid(key, "be a whole number", shown);
        }
        if (n.compareTo(BigDecimal.valueOf(min)) < 0 || n.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw ConfigException.invalid(key, "be a whole number in [" + min + ", " + max + "]", shown);
        }
        return n.longValueExact();
    }

    /** {@code key=value} strings as a configuration; a value that is not HOCON is taken as a string. */
    public static Config overrides(List<String> overrides) {
        Config result = ConfigFactory.empty();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            String shown = ConfigException.shorten(o, 120);
            if (eq < 0) {
                throw new ConfigException("--set " + shown + " has no '='; write --set key=value, e.g. "
                        + "--set training.epochs=5");
            }
            String key = o.substring(0, eq).trim();
            String value = o.substring(eq + 1);
            if (key.isEmpty()) {
                throw new ConfigException("--set " + shown + " names no key; write --set key=value, e.g. "
                        + "--set training.epochs=5");
            }
            if (value.isBlank()) {
                throw new ConfigException("--set " + shown + " has no value; write --set " + key
                        + "=VALUE (\"\" for an empty string)");
            }
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
                    one = ConfigFactory.empty("--set " + shown).withValue(key,
                            ConfigValueFactory.fromAnyRef(value, "--set " + shown));
                } catch (com.typesafe.config.ConfigException bad) {
                    throw new ConfigException(ConfigException.shorten("--set " + shown + ": "
                            + bad.getMessage().replace('\n', ' ')));
                }
            }
            result = one.withFallback(result);
        }
        return result;
    }

    /** Runs a Typesafe Config call, turning its exceptions (which name file, line and key) into ours. */
    private static <T> T parse(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(ConfigException.shorten(e.getMessage().replace('\n', ' ')));
        }
    }
}
