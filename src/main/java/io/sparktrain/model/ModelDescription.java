package io.sparktrain.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a saved network reads and predicts, stored beside its DL4J files so that a model file alone says which data
 * fits it: the shape of one example, the number of classes and whether it predicts per example or per step.
 *
 * @param input one example's shape (a sequence's features per step)
 * @param classes number of classes
 * @param output one class per example or per time step
 */
public record ModelDescription(Shape input, int classes, OutputMode output) {

    /** The description of a network built from {@code spec}. */
    public static ModelDescription of(NetworkSpec spec) {
        return new ModelDescription(spec.input(), spec.classes(), spec.output());
    }

    /** As a JSON-ready map. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", Map.of("kind", input.kind().name(), "channels", input.channels(), "height", input.height(),
                "width", input.width()));
        m.put("classes", classes);
        m.put("output", output.name());
        return m;
    }

    /** Reads {@link #toMap}'s form. */
    @SuppressWarnings("unchecked")
    public static ModelDescription fromMap(Map<String, Object> m) {
        Map<String, Object> in = (Map<String, Object>) m.get("input");
        Shape shape = new Shape(((Number) in.get("channels")).intValue(), ((Number) in.get("height")).intValue(),
                ((Number) in.get("width")).intValue(), Shape.Kind.valueOf((String) in.get("kind")));
        return new ModelDescription(shape, ((Number) m.get("classes")).intValue(),
                OutputMode.valueOf((String) m.get("output")));
    }
}
