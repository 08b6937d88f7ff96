package io.sparktrain.pipeline;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM for the command-line process. Java's default stops the JVM at once: Spark's shutdown
 * hook stops the context under the running training loop, which then fails with pages of "Cannot call methods on a
 * stopped SparkContext" and leaves its staging folder behind. Instead, a training run is asked to stop at its next
 * round boundary (after the checkpoint due there, if any), removes its staging folder and ends with one line and
 * exit 128 + the signal's number (130, 143); a command that is not training exits with that line at once. A second
 * signal, or a run that has not stopped within {@link #GRACE_SECONDS}, ends the process immediately (with the same
 * code); the next run on the host removes what that leaves ({@link RunOutput}, {@link SparkContexts}).
 */
public final class Interruption {
    /** How long a training run may take to reach a round boundary. */
    public static final int GRACE_SECONDS = 60;

    private static volatile Signal received;
    private static final AtomicInteger COOPERATING = new AtomicInteger();
    private static volatile PrintStream err = System.err;

    private Interruption() {
    }

    /** Installs the handlers for INT and TERM; messages go to {@code err}. Called once, by the CLI's main. */
    public static void install(PrintStream errors) {
        err = errors;
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), Interruption::handle);
            } catch (IllegalArgumentException e) {
                // a platform without this signal, or a JVM that reserves it (-Xrs): Java's default stays
            }
        }
    }

    private static void handle(Signal signal) {
        if (received != null) {
            err.println("sparktrain: " + describe(signal) + " again, stopping now");
            Runtime.getRuntime().halt(code(signal));
        }
        received = signal;
        if (COOPERATING.get() == 0) {
            err.println("sparktrain: " + describe(signal) + ", stopped");
            System.exit(code(signal));
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(GRACE_SECONDS * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            err.println("sparktrain: " + describe(signal) + ", and the run did not reach a round boundary within "
                    + GRACE_SECONDS + " s: stopped without cleaning up (the next run removes its staging folder)");
            Runtime.getRuntime().halt(code(signal));
        }, "sparktrain-interrupt-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** {@code interrupted (SIGINT)}. */
    private static String describe(Signal signal) {
        return "interrupted (SIG" + signal.getName() + ")";
    }

    private static int code(Signal signal) {
        return 128 + signal.getNumber();
    }

    /** Marks a stretch of work that stops by itself at safe points ({@link #check}) instead of being exited. */
    static Stretch cooperating() {
        COOPERATING.incrementAndGet();
        return COOPERATING::decrementAndGet;
    }

    /** A stretch of cooperating work; closing it ends the stretch. */
    interface Stretch extends AutoCloseable {
        @Override
        void close();
    }

    /** Whether a signal asked this process to stop. */
    public static boolean requested() {
        return received != null;
    }

    /**
     * At a safe point: stops the run when a signal asked for it.
     *
     * @throws RunInterruptedException naming where the run stopped and {@code whatNext}
     */
    static void check(String where, String whatNext) {
        Signal s = received;
        if (s != null) {
            throw new RunInterruptedException(describe(s) + ", stopped " + where + "; " + whatNext, code(s));
        }
    }

    /** A run stopped by a signal; {@link #exitCode} is 128 + the signal's number. */
    public static final class RunInterruptedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        RunInterruptedException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        /** 130 for SIGINT, 143 for SIGTERM. */
        public int exitCode() {
            return exitCode;
        }
    }
}
