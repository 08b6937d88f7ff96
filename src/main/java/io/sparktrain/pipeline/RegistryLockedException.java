package io.sparktrain.pipeline;

/** Another run holds a registry's lock and its lease has not run out; the message names the owner. */
public final class RegistryLockedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the registry, the owner and the lease */
    public RegistryLockedException(String message) {
        super(message);
    }
}
