package io.sparktrain.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sparktrain.config.ConfigException;
import io.sparktrain.config.JobConfig;
import io.sparktrain.config.JobConfigLoader;
import io.sparktrain.data.DataFormatException;
import io.sparktrain.data.Vocabulary;
import io.sparktrain.model.ModelDescription;
import io.sparktrain.model.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A trained model read back from a run folder (model, job configuration, vocabulary) or from a {@code model.zip}
 * alone (a folder's configuration is then looked for beside it).
 *
 * @param location what the user gave
 * @param network the network as this project runs it
 * @param description what it reads and predicts
 * @param job the run's job configuration with the overrides applied (the defaults and the overrides, for a model
 *     file without one)
 * @param vocabulary a text model's characters
 */
public record SavedModel(String location, MultiLayerNetwork network, ModelDescription description,
                         JobConfig job, Optional<Vocabulary> vocabulary) {

    /**
     * Reads a run folder or a model file.
     *
     * @param overrides {@code key=value} settings applied over the run's configuration (or over the defaults)
     * @throws ConfigException when {@code location} holds no model
     */
    public static SavedModel load(String location, List<String> overrides, Configuration hadoop) {
        Path path = new Path(location);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new ConfigException(location + ": no such run folder or model file");
            }
            Path dir = fs.getFileStatus(path).isDirectory() ? path : path.getParent();
            Path model = fs.getFileStatus(path).isDirectory() ? new Path(path, RunOutput.MODEL) : path;
            if (!fs.exists(model)) {
                throw new ConfigException(location + " has no " + RunOutput.MODEL + ": give a run folder written by "
                        + "train or a model file");
            }
            ModelFiles.Loaded loaded;
            try (InputStream in = fs.open(model)) {
                loaded = ModelFiles.read(in);
            } catch (IOException | RuntimeException e) {
                throw new DataFormatException(model.toString(), "not a DL4J model file: " + e.getMessage(), e);
            }
            Path configFile = new Path(dir, RunOutput.CONFIG);
            Config settings = JobConfigLoader.overrides(overrides);
            if (fs.exists(configFile)) {
                try (Reader r = new InputStreamReader(fs.open(configFile), StandardCharsets.UTF_8)) {
                    settings = settings.withFallback(ConfigFactory.parseReader(r));
                }
            }
            JobConfig job = JobConfigLoader.fromConfig(settings);
            Optional<Vocabulary> vocabulary = Optional.empty();
            Path vocabularyFile = new Path(dir, RunOutput.VOCABULARY);
            if (fs.exists(vocabularyFile)) {
                try (InputStream in = fs.open(vocabularyFile)) {
                    JsonNode json = new ObjectMapper().readTree(in);
                    vocabulary = Optional.of(Vocabulary.parse(json.get("characters").asText()));
                }
            }
            ModelDescription description = loaded.description().orElseThrow(() -> new ConfigException(model
                    + " was not written by sparktrain (it has no sparktrain/model.json): its input shape is unknown"));
            return new SavedModel(location, loaded.network(), description, job, vocabulary);
        } catch (IOException e) {
            throw new DataFormatException(location, "cannot read: " + e.getMessage(), e);
        }
    }
}
