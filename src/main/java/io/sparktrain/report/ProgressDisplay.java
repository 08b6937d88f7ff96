package io.sparktrain.report;

import io.sparktrain.training.EpochRecord;
import io.sparktrain.training.RoundRecord;
import io.sparktrain.training.TrainingProgress;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training progress as a person watching it wants it. On a terminal: a progress bar per epoch (me.tongfei's
 * progressbar) with rounds done, the driver's running cross-entropy over the epoch, examples/s and the time left.
 * Elsewhere (spark-submit logs, cron): one log line per round at most every few seconds, and the last round of each
 * epoch.
 */
public final class ProgressDisplay implements TrainingProgress, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressDisplay.class);
    private static final long LINE_EVERY_NANOS = Duration.ofSeconds(5).toNanos();

    private final int epochs;
    private final boolean terminal;
    private ProgressBar bar;
    private int epoch;
    private long epochStart;
    private double lossSum;
    private long examples;
    private long lastLine;

    private ProgressDisplay(int epochs, boolean terminal) {
        this.epochs = epochs;
        this.terminal = terminal;
    }

    /** A bar when this process writes to a terminal, log lines otherwise. */
    public static ProgressDisplay forThisProcess(int epochs) {
        String term = System.getenv("TERM");
        return new ProgressDisplay(epochs, System.console() != null && term != null && !term.equals("dumb"));
    }

    @Override
    public synchronized void epochStarted(int number, int roundsPerEpoch) {
        epoch = number;
        epochStart = System.nanoTime();
        lossSum = 0;
        examples = 0;
        closeBar();
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(String.format("epoch %d/%d", epoch, epochs))
                    .setInitialMax(roundsPerEpoch).setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(250).setUnit(" rounds", 1).build();
        }
    }

    @Override
    public synchronized void round(RoundRecord r, int roundsPerEpoch) {
        long now = System.nanoTime();
        lossSum += r.trainLoss() * r.examples();
        examples += r.examples();
        double seconds = (now - epochStart) / 1e9;
        String figures = String.format("loss %.4f, %,.0f examples/s", lossSum / examples, examples / seconds);
        if (bar != null) {
            bar.stepTo(r.round());
            bar.setExtraMessage(figures);
        } else if (now - lastLine >= LINE_EVERY_NANOS || r.round() == roundsPerEpoch) {
            lastLine = now;
            long left = Math.round(seconds / r.round() * (roundsPerEpoch - r.round()));
            LOG.info("epoch {}/{} round {}/{}: train loss {} (epoch so far {}), {} examples/s, epoch ends in {} s",
                    epoch, epochs, r.round(), roundsPerEpoch, String.format("%.4f", r.trainLoss()),
                    String.format("%.4f", lossSum / examples), String.format("%.0f", examples / seconds), left);
        }
    }

    @Override
    public synchronized void epoch(EpochRecord record) {
        closeBar();
    }

    @Override
    public synchronized void close() {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
