package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The words after a command name: one positional argument and {@code --name value} options, every problem a
 * {@link ConfigException} (exit code 2) that ends with the command's usage.
 *
 * @param argument the positional argument
 * @param options each option's values, in order
 * @param usage the command's usage line, for messages
 */
record CommandLine(String argument, Map<String, List<String>> options, String usage) {

    /**
     * @param words the words after the command name
     * @param usage the command's usage line
     * @param argumentName what the positional argument is, for "no ... given"
     * @param names the options the command takes, with their dashes
     */
    static CommandLine parse(List<String> words, String usage, String argumentName, Set<String> names) {
        String argument = null;
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("-")) {
                if (!names.contains(w)) {
                    throw new ConfigException("unknown option " + w + "; usage: " + usage);
                }
                if (i + 1 >= words.size()) {
                    throw new ConfigException(w + " needs a value; usage: " + usage);
                }
                options.computeIfAbsent(w, k -> new ArrayList<>()).add(words.get(++i));
            } else if (argument == null) {
                argument = w;
            } else {
                throw new ConfigException("unexpected argument " + w + "; usage: " + usage);
            }
        }
        if (argument == null) {
            throw new ConfigException("no " + argumentName + " given; usage: " + usage);
        }
        return new CommandLine(argument, options, usage);
    }

    /** Every value given for {@code name}. */
    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    /** The last value given for {@code name}; an error naming it when it was not given. */
    String required(String name) {
        String value = option(name, null);
        if (value == null) {
            throw new ConfigException(name + " is required; usage: " + usage);
        }
        return value;
    }

    /** The last value given for {@code name}, or {@code fallback}. */
    String option(String name, String fallback) {
        List<String> values = all(name);
        return values.isEmpty() ? fallback : values.get(values.size() - 1);
    }

    /** An integer option. */
    int intOption(String name, int fallback) {
        return (int) number(name, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** A long option. */
    long longOption(String name, long fallback) {
        return number(name, fallback, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** A decimal option. */
    double doubleOption(String name, double fallback) {
        String v = option(name, null);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " expects a number, got \"" + v + "\"");
        }
    }

    private long number(String name, long fallback, long min, long max) {
        String v = option(name, null);
        try {
            long n = v == null ? fallback : Long.parseLong(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " expects a whole number, got \"" + v + "\"");
        }
    }
}
