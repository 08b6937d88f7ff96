package io.sparktrain.data;

/**
 * A data file that cannot be used as it is: wrong magic number, truncated, inconsistent counts. The message names
 * the file and what is wrong, in one line, so that a scheduler's log tells the operator what to fix.
 */
public final class DataFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;

    /** @param file the file (URI) at fault; @param problem what is wrong with it */
    public DataFormatException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** As above, keeping the I/O failure that revealed the problem. */
    public DataFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file (URI) at fault. */
    public String file() {
        return file;
    }
}
