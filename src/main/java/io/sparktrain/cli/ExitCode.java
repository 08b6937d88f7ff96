package io.sparktrain.cli;

/** Process exit codes, distinct so that a scheduler can branch on them. */
public enum ExitCode {
    OK(0),
    /** An unexpected failure (a bug, a lost cluster): see the log. */
    INTERNAL(1),
    /** Bad arguments or configuration. */
    USAGE(2),
    /** A data file is missing or malformed. */
    BAD_DATA(3),
    /** Training diverged (non-finite loss). */
    DIVERGED(4),
    /** Writing the output failed. */
    OUTPUT(5),
    /** A node's native kernels failed the self-check (broken or mismatched native library). */
    BROKEN_KERNELS(6),
    /** retrain: the candidate was stored but the quality gate kept the champion. */
    KEPT(7),
    /** retrain or registry: another run holds the registry's lock. */
    LOCKED(8),
    /** No cluster master accepted the application (unreachable, or refusing its authentication). */
    CLUSTER_UNAVAILABLE(9),
    /** Ctrl-C (SIGINT) stopped the run: 128 + 2, as shells report it. */
    INTERRUPTED(130),
    /** SIGTERM stopped the run: 128 + 15. */
    TERMINATED(143);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** The numeric exit status. */
    public int code() {
        return code;
    }
}
