package io.sparktrain.training;

import java.util.List;
import java.util.Optional;
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
 * @param misclassified the first misclassified test examples of the last evaluation (found on the executors, in
 *     test-split order), empty when this run evaluated nothing
 */
public record TrainingResult(MultiLayerNetwork network, List<RoundRecord> rounds, List<EpochRecord> epochs,
                             Evaluation test, long trainExamples, double trainSeconds,
                             List<ParameterAveragingTrainer.ExecutorKernels> kernels, List<Long> bytesReadPerShard,
                             Optional<List<Misclassified>> misclassified) {

    /** A result whose reads were not measured and whose misclassified examples were not kept. */
    public TrainingResult(MultiLayerNetwork network, List<RoundRecord> rounds, List<EpochRecord> epochs,
                          Evaluation test, long trainExamples, double trainSeconds,
                          List<ParameterAveragingTrainer.ExecutorKernels> kernels) {
        this(network, rounds, epochs, test, trainExamples, trainSeconds, kernels, List.of(), Optional.empty());
    }

    /** This result with the bytes each shard's load read. */
    public TrainingResult withBytesReadPerShard(List<Long> bytes) {
        return new TrainingResult(network, rounds, epochs, test, trainExamples, trainSeconds, kernels,
                List.copyOf(bytes), misclassified);
    }

    /** This result with the first misclassified test examples of its last evaluation, when it ran one. */
    public TrainingResult withMisclassified(Optional<List<Misclassified>> wrong) {
        return new TrainingResult(network, rounds, epochs, test, trainExamples, trainSeconds, kernels,
                bytesReadPerShard, wrong);
    }

    /** Training examples per wall-clock second, evaluation excluded. */
    public double examplesPerSecond() {
        return trainExamples / trainSeconds;
    }
}
