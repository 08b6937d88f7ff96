package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a job's keys against the defaults, which list every key a job may set: an unknown key is a typo, reported
 * with the nearest known key ({@code unknown key training.epoch (did you mean training.epochs?)}), and a value where
 * the defaults have a section ({@code training = 5}) or the reverse is reported by name before Typesafe Config would
 * merge it into a confusing type error.
 */
final class KnownKeys {
    private static final String REFERENCE_FILE = "src/main/resources/sparktrain-reference.conf";

    private KnownKeys() {
    }

    /** Throws a {@link ConfigException} for the first setting of {@code user} that {@code reference} does not know. */
    static void check(Config user, Config defaults) {
        // Resolved, so that the type of a substituted default (spark.master) can be asked.
        Config reference = defaults.resolve();
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String path = e.getKey();
            ConfigValue value = e.getValue();
            String where = ConfigException.shorten(value.origin().description(), 100);
            if (reference.hasPathOrNull(path)) {
                if (!reference.getIsNull(path) && reference.getValue(path).valueType() == ConfigValueType.OBJECT
                        && value.valueType() != ConfigValueType.OBJECT) {
                    List<String> keys = new ArrayList<>(reference.getConfig(path).root().keySet());
                    java.util.Collections.sort(keys);
                    String some = String.join(", ", keys.subList(0, Math.min(4, keys.size())))
                            + (keys.size() > 4 ? ", ..." : "");
                    throw new ConfigException(ConfigException.shorten(path + " is a section, not a value; set its "
                            + "keys (" + some + ") instead, got " + ConfigException.shorten(value.render(ConfigRenderOptions.concise()), 60)
                            + " in " + where));
                }
                continue;
            }
            List<String> parts = ConfigUtil.splitPath(path);
            for (int k = 1; k <= parts.size(); k++) {
                String prefix = ConfigUtil.joinPath(parts.subList(0, k));
                if (!reference.hasPathOrNull(prefix)) {
                    throw unknown(path, parts, k, reference, where);
                }
                if (k < parts.size() && (reference.getIsNull(prefix)
                        || reference.getValue(prefix).valueType() != ConfigValueType.OBJECT)) {
                    throw new ConfigException(ConfigException.shorten(prefix + " is a value, not a section, so "
                            + ConfigException.shorten(path, 120) + " is not a key; set " + prefix + " itself ("
                            + where + ")"));
                }
            }
        }
    }

    /** The key whose first {@code k} parts are not in the defaults, with a suggestion when one is close. */
    private static ConfigException unknown(String path, List<String> parts, int k, Config reference, String where) {
        String shown = ConfigException.shorten(path, 150);
        return nearest(parts, k, reference).map(suggestion -> new ConfigException("unknown key " + shown
                        + " (did you mean " + ConfigException.shorten(suggestion, 100) + "?) in " + where))
                .orElseGet(() -> new ConfigException("unknown key " + shown + " (" + where + "); the keys a job can "
                        + "set are in " + REFERENCE_FILE));
    }

    /** The known key nearest to {@code path}, if one is a slip or two away; {@code defaults} list the keys. */
    static Optional<String> nearest(String path, Config defaults) {
        Config reference = defaults.resolve();
        List<String> parts;
        try {
            parts = ConfigUtil.splitPath(path);
        } catch (com.typesafe.config.ConfigException e) {
            return Optional.empty();
        }
        for (int k = 1; k <= parts.size(); k++) {
            if (!reference.hasPathOrNull(ConfigUtil.joinPath(parts.subList(0, k)))) {
                return nearest(parts, k, reference);
            }
        }
        return Optional.empty();
    }

    /** A known key for {@code parts} whose first {@code k} parts are not in {@code reference}, if one is close. */
    private static Optional<String> nearest(List<String> parts, int k, Config reference) {
        String name = parts.get(k - 1);
        List<String> parent = parts.subList(0, k - 1);
        Set<String> siblings = parent.isEmpty() ? reference.root().keySet()
                : reference.getConfig(ConfigUtil.joinPath(parent)).root().keySet();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String s : name.length() > 64 ? Set.<String>of() : siblings) { // no key is that long: no suggestion
            int d = distance(name.toLowerCase(Locale.ROOT), s.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = s;
                bestDistance = d;
            }
        }
        if (best == null || bestDistance > Math.min(3, Math.max(1, name.length() / 3))) {
            return Optional.empty();
        }
        List<String> fixed = new ArrayList<>(parent);
        fixed.add(best);
        String section = ConfigUtil.joinPath(fixed);
        fixed.addAll(parts.subList(k, parts.size()));
        String whole = ConfigUtil.joinPath(fixed);
        return Optional.of(reference.hasPathOrNull(whole) ? whole : section);
    }

    /**
     * Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours as one edit
     * (optimal string alignment): "modle" is one slip from "model".
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
