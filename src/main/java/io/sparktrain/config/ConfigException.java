package io.sparktrain.config;

/**
 * A job configuration or command line that cannot run. The message is one line naming the key, the value and the
 * rule, e.g. {@code training.batchSizePerWorker must be > 0, got -3}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the key, the value and the rule */
    public ConfigException(String message) {
        super(message);
    }

    /** The standard form: {@code key must RULE, got VALUE}. */
    public static ConfigException invalid(String key, String rule, Object value) {
        return new ConfigException(key + " must " + rule + ", got " + value);
    }
}
