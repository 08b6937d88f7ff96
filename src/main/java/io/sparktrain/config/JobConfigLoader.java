package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.ModelSpecException;
import io.sparktrain.data.CsvSequences;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Presets;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        return fromConfig(parseOverrides(overrides).withFallback(readFile(jobFile, hadoop)));
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
            UpdaterSpec updater = new UpdaterSpec(
                    enumValue(UpdaterSpec.Kind.class, "training.updater", c.getString("training.updater")),
                    c.getDouble("training.learningRate"), c.getDouble("training.momentum"),
                    c.getDouble("training.learningRateDecay"));
            TrainingConfig training = new TrainingConfig(c.getInt("training.epochs"), c.getInt("training.workers"),
                    c.getInt("training.batchSizePerWorker"), c.getInt("training.averagingFrequency"), updater,
                    c.getLong("training.seed"), c.getInt("training.evalBatchSize"), c.getInt("training.tbpttLength"));
            NetworkSpec network = network(c, data.format());
            if (training.tbpttLength() > 0 && network.output() != OutputMode.SEQUENCE) {
                throw ConfigException.invalid("training.tbpttLength", "be 0 unless model.output = sequence "
                        + "(truncated BPTT needs a label at every step)", training.tbpttLength());
            }
            String name = c.getString("name");
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw ConfigException.invalid("name", "use only letters, digits, '.', '_' and '-'", "\"" + name + "\"");
            }
            return new JobConfig(name, data, network, training, c.getString("spark.master"), c);
        });
    }

    private static NetworkSpec network(Config c, DataConfig.Format format) {
        int channels = positive(c, "model.input.channels");
        int height = positive(c, "model.input.height");
        int width = positive(c, "model.input.width");
        int features = c.getInt("model.input.features");
        if (features < 0) {
            throw ConfigException.invalid("model.input.features", "be >= 0 (0 = from the data)", features);
        }
        int classes = c.getInt("model.classes");
        if (classes < 2 && format != DataConfig.Format.TEXT) {
            throw ConfigException.invalid("model.classes", "be >= 2", classes);
        }
        OutputMode output = enumValue(OutputMode.class, "model.output", c.getString("model.output"));
        Presets.RnnSettings rnn;
        try {
            rnn = new Presets.RnnSettings(c.getInt("model.rnn.units"), c.getInt("model.rnn.layers"),
                    c.getDouble("model.rnn.dropout"), merge(c.getString("model.rnn.merge"), "model.rnn.merge"));
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
                layers.add(layer(layerList.get(i), "model.layers[" + i + "]"));
            }
            name = "model.layers";
        }
        // Text takes its sizes from the vocabulary and csv may take its features from the data: the driver resizes
        // the network once it has read them. The layer rules checked here do not depend on the sizes.
        Shape input = format.sequences() ? Shape.sequence(Math.max(features, 1)) : Shape.map(channels, height, width);
        try {
            return new NetworkSpec(name, input, layers, Math.max(classes, 2), output);
        } catch (ModelSpecException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static final Map<String, Set<String>> LAYER_KEYS = Map.of(
            "conv", Set.of("type", "filters", "kernel", "stride", "padding", "dilation", "activation", "alpha"),
            "maxpool", Set.of("type", "kernel", "stride", "padding"),
            "avgpool", Set.of("type", "kernel", "stride", "padding"),
            "dropout", Set.of("type", "rate"),
            "dense", Set.of("type", "units", "activation", "alpha"),
            "lstm", Set.of("type", "units", "activation"),
            "simple-rnn", Set.of("type", "units", "activation"),
            "bidirectional", Set.of("type", "cell", "units", "activation", "merge"),
            "output", Set.of("type"));

    private static LayerSpec layer(Config l, String key) {
        if (!l.hasPath("type")) {
            throw new ConfigException(key + ".type is missing: one of " + LAYER_KEYS.keySet());
        }
        String type = l.getString("type");
        if (type.equals("gru")) {
            throw new ConfigException(key + ".type: DL4J 1.0.0-M2 has no GRU layer; use lstm or simple-rnn");
        }
        Set<String> allowed = LAYER_KEYS.get(type);
        if (allowed == null) {
            throw ConfigException.invalid(key + ".type", "be one of " + LAYER_KEYS.keySet(), "\"" + type + "\"");
        }
        for (String k : l.root().keySet()) {
            if (!allowed.contains(k)) {
                throw new ConfigException(key + "." + k + " is not a setting of a " + type + " layer; allowed: "
                        + allowed);
            }
        }
        return switch (type) {
            case "conv" -> {
                int[] kernel = pair(l, "kernel", key, null);
                int[] stride = pair(l, "stride", key, new int[] {1, 1});
                int[] dilation = pair(l, "dilation", key, new int[] {1, 1});
                yield new LayerSpec.Conv(positive(l, "filters", key), kernel[0], kernel[1], stride[0], stride[1],
                        padding(l, key), dilation[0], dilation[1], activation(l, key), alpha(l, key));
            }
            case "maxpool", "avgpool" -> {
                int[] kernel = pair(l, "kernel", key, new int[] {2, 2});
                int[] stride = pair(l, "stride", key, kernel);
                yield new LayerSpec.Pool(type.equals("maxpool"), kernel[0], kernel[1], stride[0], stride[1],
                        padding(l, key));
            }
            case "dropout" -> {
                double rate = l.getDouble("rate");
                if (!(rate >= 0 && rate < 1)) {
                    throw ConfigException.invalid(key + ".rate", "be in [0, 1)", rate);
                }
                yield new LayerSpec.Dropout(rate);
            }
            case "dense" -> new LayerSpec.Dense(positive(l, "units", key), activation(l, key), alpha(l, key));
            case "lstm", "simple-rnn" -> new LayerSpec.Recurrent(cell(type, key + ".type"), positive(l, "units", key),
                    recurrentActivation(l, key), LayerSpec.Direction.FORWARD);
            case "bidirectional" -> new LayerSpec.Recurrent(
                    cell(l.hasPath("cell") ? l.getString("cell") : "lstm", key + ".cell"), positive(l, "units", key),
                    recurrentActivation(l, key), merge(l.hasPath("merge") ? l.getString("merge") : "concat",
                    key + ".merge"));
            default -> new LayerSpec.Output();
        };
    }

    /** An int or a two-element list {@code [height, width]}, each > 0. */
    private static int[] pair(Config l, String k, String key, int[] fallback) {
        if (!l.hasPath(k)) {
            if (fallback == null) {
                throw new ConfigException(key + "." + k + " is missing");
            }
            return fallback;
        }
        int[] v;
        if (l.getValue(k).valueType() == ConfigValueType.LIST) {
            List<Integer> list = l.getIntList(k);
            if (list.size() != 2) {
                throw ConfigException.invalid(key + "." + k, "be a number or [height, width]", list);
            }
            v = new int[] {list.get(0), list.get(1)};
        } else {
            int n = l.getInt(k);
            v = new int[] {n, n};
        }
        if (v[0] <= 0 || v[1] <= 0) {
            throw ConfigException.invalid(key + "." + k, "be > 0", l.getValue(k).render());
        }
        return v;
    }

    private static Padding padding(Config l, String key) {
        if (!l.hasPath("padding")) {
            return Padding.VALID;
        }
        ConfigValue v = l.getValue("padding");
        if (v.valueType() == ConfigValueType.STRING) {
            return switch (l.getString("padding")) {
                case "valid" -> Padding.VALID;
                case "same" -> Padding.SAME;
                default -> throw ConfigException.invalid(key + ".padding",
                        "be \"valid\", \"same\", a number or [height, width]", v.render());
            };
        }
        int[] p;
        if (v.valueType() == ConfigValueType.LIST) {
            p = pair(l, "padding", key, null);
        } else {
            int n = l.getInt("padding");
            p = new int[] {n, n};
        }
        if (p[0] < 0 || p[1] < 0) {
            throw ConfigException.invalid(key + ".padding", "be >= 0", v.render());
        }
        return Padding.of(p[0], p[1]);
    }

    private static Activation activation(Config l, String key) {
        return l.hasPath("activation") ? enumValue(Activation.class, key + ".activation", l.getString("activation"))
                : Activation.RELU;
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

    private static LayerSpec.Cell cell(String name, String key) {
        for (LayerSpec.Cell cell : LayerSpec.Cell.values()) {
            if (cell.configName().equals(name)) {
                return cell;
            }
        }
        throw ConfigException.invalid(key, "be lstm or simple-rnn (DL4J 1.0.0-M2 has no GRU layer)",
                "\"" + name + "\"");
    }

    private static LayerSpec.Direction merge(String name, String key) {
        return switch (name) {
            case "concat" -> LayerSpec.Direction.BIDIRECTIONAL_CONCAT;
            case "add" -> LayerSpec.Direction.BIDIRECTIONAL_ADD;
            default -> throw ConfigException.invalid(key, "be \"concat\" or \"add\"", "\"" + name + "\"");
        };
    }

    private static Activation recurrentActivation(Config l, String key) {
        return l.hasPath("activation") ? enumValue(Activation.class, key + ".activation", l.getString("activation"))
                : Activation.TANH;
    }

    private static double alpha(Config l, String key) {
        double a = l.hasPath("alpha") ? l.getDouble("alpha") : 0.01;
        if (!(a > 0 && a < 1)) {
            throw ConfigException.invalid(key + ".alpha", "be in (0, 1)", a);
        }
        return a;
    }

    private static int positive(Config c, String path) {
        return positive(c, path, null);
    }

    private static int positive(Config c, String path, String prefix) {
        int v = c.getInt(path);
        if (v <= 0) {
            throw ConfigException.invalid(prefix == null ? path : prefix + "." + path, "be > 0", v);
        }
        return v;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String key, String value) {
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

    private static Config parseOverrides(List<String> overrides) {
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
