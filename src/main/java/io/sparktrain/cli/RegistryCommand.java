package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.pipeline.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/** {@code registry REGISTRY [list | show VERSION | promote VERSION | rollback]}: an operator's view of a registry. */
final class RegistryCommand {

    static final String USAGE = "registry REGISTRY [list | show VERSION | promote VERSION | rollback]";

    private RegistryCommand() {
    }

    static String run(List<String> words) {
        if (words.isEmpty()) {
            throw new ConfigException("no registry given; usage: " + USAGE);
        }
        ModelRegistry registry = ModelRegistry.open(words.get(0), false, new Configuration());
        String action = words.size() > 1 ? words.get(1) : "list";
        try {
            switch (action) {
                case "list" -> {
                    expect(words, 2);
                    Optional<Integer> champion = registry.champion();
                    StringBuilder out = new StringBuilder();
                    for (int v : registry.versions()) {
                        Map<String, Object> metrics = registry.read(v, "metrics.json");
                        Object test = metrics.get("test");
                        Object accuracy = test instanceof Map<?, ?> t ? t.get("accuracy") : null;
                        out.append(String.format("%d  accuracy %s%s%n", v, accuracy == null ? "?"
                                : String.format("%.4f", ((Number) accuracy).doubleValue()),
                                champion.isPresent() && champion.get() == v ? "  champion" : ""));
                    }
                    return out.length() == 0 ? "no versions" : out.toString().stripTrailing();
                }
                case "show" -> {
                    expect(words, 3);
                    int v = version(words.get(2));
                    if (!registry.versions().contains(v)) {
                        throw new ConfigException("registry " + words.get(0) + " has no version " + v);
                    }
                    Map<String, Object> manifest = new java.util.LinkedHashMap<>(registry.read(v, "manifest.json"));
                    manifest.put("champion", registry.champion().map(c -> c == v).orElse(false));
                    manifest.put("test", registry.read(v, "metrics.json").get("test"));
                    return Json.pretty(manifest);
                }
                case "promote" -> {
                    expect(words, 3);
                    registry.promote(version(words.get(2)));
                    return "version " + words.get(2) + " is the champion";
                }
                case "rollback" -> {
                    expect(words, 2);
                    return "version " + registry.rollback() + " is the champion again";
                }
                default -> throw new ConfigException("unknown registry action " + action + "; usage: " + USAGE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("registry " + words.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static void expect(List<String> words, int count) {
        if (words.size() != count) {
            throw new ConfigException("usage: " + USAGE);
        }
    }

    private static int version(String word) {
        try {
            return Integer.parseInt(word);
        } catch (NumberFormatException e) {
            throw ConfigException.invalid("VERSION", "be a version number", "\"" + word + "\"");
        }
    }
}
