package io.sparktrain.model;

/**
 * A network whose layers do not fit together, or a layer setting outside its rule; the message names the layer and
 * the numbers. A setting error also carries the setting's name, so that a configuration file's loader can name the
 * key it came from ({@link #atKey}).
 */
public final class ModelSpecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String setting;
    private final String rule;

    /** @param message one line naming the layer and the numbers */
    public ModelSpecException(String message) {
        super(message);
        this.setting = null;
        this.rule = null;
    }

    private ModelSpecException(String layerType, String setting, String rule) {
        super(layerType + "." + setting + " " + rule);
        this.setting = setting;
        this.rule = rule;
    }

    /** A layer setting that breaks its rule: {@code conv.stride must be > 0, got 0}. */
    static ModelSpecException invalid(String layerType, String setting, String rule, Object value) {
        return new ModelSpecException(layerType, setting, "must " + rule + ", got " + value);
    }

    /** The message with the layer named by {@code key} (e.g. {@code model.layers[1]}) instead of its type. */
    public String atKey(String key) {
        return setting == null ? getMessage() : key + "." + setting + " " + rule;
    }
}
