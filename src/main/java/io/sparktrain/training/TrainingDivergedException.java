package io.sparktrain.training;

/** The training loss became NaN or infinite; training stops rather than produce a useless model. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TrainingDivergedException(int epoch, int round, double loss) {
        super("training loss is " + loss + " at epoch " + epoch + " round " + round
                + ": lower training.learningRate, check the data for NaN or unscaled values, or use a smaller "
                + "training.averagingFrequency");
    }
}
