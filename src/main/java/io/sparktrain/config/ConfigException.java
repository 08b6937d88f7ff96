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

    /** The standard form: {@code key must RULE, got VALUE}; a long key or value is cut in the middle. */
    public static ConfigException invalid(String key, String rule, Object value) {
        return new ConfigException(shorten(key, 120) + " must " + rule + ", got " + shorten(String.valueOf(value), 120));
    }

    /** Longest message {@link #shorten(String)} leaves: one terminal line or two. */
    public static final int MAX_MESSAGE = 300;

    /** {@code text} cut in the middle to at most {@link #MAX_MESSAGE} characters. */
    public static String shorten(String text) {
        return shorten(text, MAX_MESSAGE);
    }

    /**
     * {@code text} with its middle replaced by "..." when it is longer than {@code max}: a 3 KB key path or include
     * chain stays one readable line, keeping the start and the end, which say what and where.
     */
    public static String shorten(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int keep = Math.max(2, max - 3);
        int head = (keep + 1) / 2;
        return text.substring(0, head) + "..." + text.substring(text.length() - (keep - head));
    }
}
