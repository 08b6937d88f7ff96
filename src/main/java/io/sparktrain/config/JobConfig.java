package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;

/**
 * A complete, validated training job.
 *
 * @param name names the run ({@code name})
 * @param data the data ({@code data.*})
 * @param model the network ({@code model.*}), layer rules already checked; sized by the data it is trained on
 * @param training the training ({@code training.*})
 * @param retrain how {@code retrain} gates and keeps versions ({@code retrain.*})
 * @param checkpoint when and where the run saves checkpoints ({@code checkpoint.*})
 * @param sparkMaster the Spark master when not launched by spark-submit ({@code spark.master})
 * @param effective the merged configuration it was read from, written next to every model
 */
public record JobConfig(String name, DataConfig data, ModelConfig model, TrainingConfig training,
                        RetrainConfig retrain, CheckpointConfig checkpoint, String sparkMaster, Config effective) {

    /** The effective configuration as HOCON text, with comments saying where each value came from. */
    public String render() {
        return effective.root().render(ConfigRenderOptions.defaults().setJson(false).setOriginComments(true));
    }
}
