package io.sparktrain.training;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The outcome of a training run.
 *
 * @param network the averaged network after the last round, optimiser state included
 * @param rounds every averaging round
 * @param epochs every epoch
 * @param test the evaluation after the last epoch
 * @param trainExamples training examples fitted in all
 * @param trainSeconds wall time of training, evaluation excluded
 * @param kernels the native stack of each shard's executor, checked before training
 * @param bytesReadPerShard the bytes each shard's executor read to load it (Hadoop file-system statistics), in
 *     shard order; empty when not measured
 */
public record TrainingResult(MultiLayerNetwork network, List<RoundRecord> rounds, List<EpochRecord> epochs,
                             Evaluation test, long trainExamples, double trainSeconds,
                             List<ParameterAveragingTrainer.ExecutorKernels> kernels, List<Long> bytesReadPerShard) {

    /** A result whose reads were not measured. */
    public TrainingResult(MultiLayerNetwork network, List<RoundRecord> rounds, List<EpochRecord> epochs,
                          Evaluation test, long trainExamples, double trainSeconds,
                          List<ParameterAveragingTrainer.ExecutorKernels> kernels) {
        this(network, rounds, epochs, test, trainExamples, trainSeconds, kernels, List.of());
    }

    /** This result with the bytes each shard's load read. */
    public TrainingResult withBytesReadPerShard(List<Long> bytes) {
        return new TrainingResult(network, rounds, epochs, test, trainExamples, trainSeconds, kernels,
                List.copyOf(bytes));
    }

    /** Training examples per wall-clock second, evaluation excluded. */
    public double examplesPerSecond() {
        return trainExamples / trainSeconds;
    }
}
