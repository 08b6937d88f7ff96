/**
 * sparktrain as a Spark ML library: {@link io.sparktrain.ml.SparktrainClassifier}, an {@code Estimator} whose
 * {@code fit} trains a network with the project's parameter-averaging trainer on a DataFrame's rows, and
 * {@link io.sparktrain.ml.SparktrainClassificationModel}, the {@code Transformer} it returns, which scores a
 * DataFrame partition by partition on the executors. Both save and load as Spark ML stages, alone or inside a
 * {@code PipelineModel}.
 */
package io.sparktrain.ml;
