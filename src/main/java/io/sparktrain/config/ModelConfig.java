package io.sparktrain.config;

import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.ModelSpecException;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.OutputMode;
import io.sparktrain.model.Shape;
import java.util.List;
import java.util.OptionalInt;

/**
 * The network a job asks for ({@code model.*}), with the sizes it leaves to the data said so explicitly: an empty
 * {@code features} takes the values per step from the data ({@code model.input.features = 0}), an empty
 * {@code classes} takes the classes from the data (a text model's vocabulary). {@link #resolve} makes the concrete
 * {@link NetworkSpec} once the data is read.
 *
 * @param name a preset's name, or {@code model.layers} (used in messages)
 * @param layers the layers, the last an output layer
 * @param images the shape of one image ({@code model.input.{channels,height,width}}), for image data
 * @param sequences true when the data are sequences (the input is {@code features} values per step)
 * @param features values per step of sequence data; empty = from the data
 * @param classes number of classes; empty = from the data
 * @param output one class per example or per time step ({@code model.output})
 */
public record ModelConfig(String name, List<LayerSpec> layers, Shape images, boolean sequences, OptionalInt features,
                          OptionalInt classes, OutputMode output) {

    /**
     * Copies the layers and checks the layer rules that do not depend on the sizes the data gives (those are
     * checked again, with the real sizes, by {@link #resolve}); a size from the data is taken as 1 feature and 2
     * classes for this check only.
     */
    public ModelConfig {
        layers = List.copyOf(layers);
        if (features.isPresent() && features.getAsInt() <= 0) {
            throw ConfigException.invalid("model.input.features", "be >= 0 (0 = from the data)", features.getAsInt());
        }
        if (classes.isPresent() && classes.getAsInt() < 2) {
            throw ConfigException.invalid("model.classes", "be >= 2", classes.getAsInt());
        }
        try {
            // The fields are not assigned yet inside the compact constructor: pass the parameters.
            spec(name, layers, images, sequences, output, features.orElse(1), classes.orElse(2));
        } catch (ModelSpecException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * The network for data of {@code dataFeatures} values per step (ignored for images) and {@code dataClasses}
     * classes; a size the job set itself must equal the data's.
     *
     * @throws ConfigException naming the key whose value the data contradicts
     */
    public NetworkSpec resolve(int dataFeatures, int dataClasses) {
        if (sequences && features.isPresent() && features.getAsInt() != dataFeatures) {
            throw new ConfigException("model.input.features is " + features.getAsInt() + " but the data have "
                    + dataFeatures + " features per step");
        }
        if (classes.isPresent() && classes.getAsInt() != dataClasses) {
            throw new ConfigException("model.classes is " + classes.getAsInt() + " but the data have " + dataClasses
                    + " classes");
        }
        try {
            return spec(name, layers, images, sequences, output, dataFeatures, dataClasses);
        } catch (ModelSpecException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The network when the job itself fixes every size (image data, or sequences with features and classes set). */
    public NetworkSpec resolve() {
        if ((sequences && features.isEmpty()) || classes.isEmpty()) {
            throw new IllegalStateException(name + " takes " + (classes.isEmpty() ? "its classes" : "its features")
                    + " from the data");
        }
        return spec(name, layers, images, sequences, output, features.orElse(1), classes.getAsInt());
    }

    private static NetworkSpec spec(String name, List<LayerSpec> layers, Shape images, boolean sequences,
                                    OutputMode output, int f, int c) {
        return new NetworkSpec(name, sequences ? Shape.sequence(f) : images, layers, c, output);
    }
}
