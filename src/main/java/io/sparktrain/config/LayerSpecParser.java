package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.sparktrain.model.Activation;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.ModelSpecException;
import io.sparktrain.model.Padding;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one entry of {@code model.layers} into a {@link LayerSpec}. The records check their own settings and hold
 * their defaults; this class maps keys to settings and puts the entry's key ({@code model.layers[1]}) into their
 * messages.
 */
final class LayerSpecParser {

    private static final Map<String, Set<String>> LAYER_KEYS = Map.of(
            "conv", Set.of("type", "filters", "kernel", "stride", "padding", "dilation", "activation", "alpha"),
            "maxpool", Set.of("type", "kernel", "stride", "padding"),
            "avgpool", Set.of("type", "kernel", "stride", "padding"),
            "dropout", Set.of("type", "rate"),
            "dense", Set.of("type", "units", "activation", "alpha"),
            "lstm", Set.of("type", "units", "activation"),
            "simple-rnn", Set.of("type", "units", "activation"),
            "gru", Set.of("type", "units"),
            "bidirectional", Set.of("type", "cell", "units", "activation", "merge"),
            "output", Set.of("type"));

    private LayerSpecParser() {
    }

    /**
     * @param l the entry
     * @param key how messages name it, e.g. {@code model.layers[1]}
     */
    static LayerSpec parse(Config l, String key) {
        if (!l.hasPath("type")) {
            throw new ConfigException(key + ".type is missing: one of " + LAYER_KEYS.keySet());
        }
        String type = l.getString("type");
        Set<String> allowed = LAYER_KEYS.get(type);
        if (allowed == null) {
            throw ConfigException.invalid(key + ".type", "be one of " + LAYER_KEYS.keySet(), "\"" + type + "\"");
        }
        for (String k : l.root().keySet()) {
            if (!allowed.contains(k)) {
                throw new ConfigException(ConfigException.shorten(key + "." + k, 120) + " is not a setting of a "
                        + type + " layer; allowed: " + allowed);
            }
        }
        try {
            return layer(l, key, type);
        } catch (ModelSpecException e) {
            throw new ConfigException(e.atKey(key));
        }
    }

    private static LayerSpec layer(Config l, String key, String type) {
        return switch (type) {
            case "conv" -> {
                LayerSpec.Conv base = LayerSpec.Conv.of(JobConfigLoader.integer(l, "filters", key + ".filters"), 1);
                int[] kernel = pair(l, "kernel", key, null);
                int[] stride = pair(l, "stride", key, new int[] {base.strideH(), base.strideW()});
                int[] dilation = pair(l, "dilation", key, new int[] {base.dilationH(), base.dilationW()});
                yield new LayerSpec.Conv(base.filters(), kernel[0], kernel[1], stride[0], stride[1],
                        padding(l, key), dilation[0], dilation[1], activation(l, key, base.activation()),
                        alpha(l, base.alpha()));
            }
            case "maxpool", "avgpool" -> {
                int[] kernel = pair(l, "kernel", key, new int[] {2, 2});
                // The stride defaults to the window, as LayerSpec.Pool.of does.
                int[] stride = pair(l, "stride", key, kernel);
                yield new LayerSpec.Pool(type.equals("maxpool"), kernel[0], kernel[1], stride[0], stride[1],
                        padding(l, key));
            }
            case "dropout" -> new LayerSpec.Dropout(l.getDouble("rate"));
            case "dense" -> {
                LayerSpec.Dense base = LayerSpec.Dense.of(JobConfigLoader.integer(l, "units", key + ".units"));
                yield new LayerSpec.Dense(base.units(), activation(l, key, base.activation()), alpha(l, base.alpha()));
            }
            case "lstm", "simple-rnn", "gru" -> recurrent(l, key, cell(type, key + ".type"),
                    LayerSpec.Direction.FORWARD);
            case "bidirectional" -> recurrent(l, key, cell(l.hasPath("cell") ? l.getString("cell") : "lstm",
                    key + ".cell"), merge(l.hasPath("merge") ? l.getString("merge") : "concat", key + ".merge"));
            default -> new LayerSpec.Output();
        };
    }

    private static LayerSpec recurrent(Config l, String key, LayerSpec.Cell cell, LayerSpec.Direction direction) {
        LayerSpec.Recurrent base = LayerSpec.Recurrent.of(cell, JobConfigLoader.integer(l, "units", key + ".units"));
        return new LayerSpec.Recurrent(cell, base.units(), activation(l, key, base.activation()), direction);
    }

    /** An int or a two-element list {@code [height, width]}; the records check the values. */
    private static int[] pair(Config l, String k, String key, int[] fallback) {
        if (!l.hasPath(k)) {
            if (fallback == null) {
                throw new ConfigException(key + "." + k + " is missing");
            }
            return fallback;
        }
        if (l.getValue(k).valueType() == ConfigValueType.LIST) {
            List<ConfigValue> list = l.getList(k);
            if (list.size() != 2) {
                throw ConfigException.invalid(key + "." + k, "be a number or [height, width]", list.stream()
                        .map(ConfigValue::render).toList());
            }
            return new int[] {(int) JobConfigLoader.whole(list.get(0), key + "." + k + "[0]", Integer.MIN_VALUE,
                    Integer.MAX_VALUE), (int) JobConfigLoader.whole(list.get(1), key + "." + k + "[1]",
                    Integer.MIN_VALUE, Integer.MAX_VALUE)};
        }
        int n = JobConfigLoader.integer(l, k, key + "." + k);
        return new int[] {n, n};
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
        int[] p = pair(l, "padding", key, null);
        return Padding.of(p[0], p[1]);
    }

    private static Activation activation(Config l, String key, Activation fallback) {
        return l.hasPath("activation")
                ? JobConfigLoader.enumValue(Activation.class, key + ".activation", l.getString("activation"))
                : fallback;
    }

    private static double alpha(Config l, double fallback) {
        return l.hasPath("alpha") ? l.getDouble("alpha") : fallback;
    }

    private static LayerSpec.Cell cell(String name, String key) {
        for (LayerSpec.Cell cell : LayerSpec.Cell.values()) {
            if (cell.configName().equals(name)) {
                return cell;
            }
        }
        throw ConfigException.invalid(key, "be lstm, gru or simple-rnn",
                "\"" + name + "\"");
    }

    /** {@code concat} or {@code add}, as {@code model.rnn.merge} and a bidirectional layer's {@code merge} say. */
    static LayerSpec.Direction merge(String name, String key) {
        return switch (name) {
            case "concat" -> LayerSpec.Direction.BIDIRECTIONAL_CONCAT;
            case "add" -> LayerSpec.Direction.BIDIRECTIONAL_ADD;
            default -> throw ConfigException.invalid(key, "be \"concat\" or \"add\"", "\"" + name + "\"");
        };
    }
}
