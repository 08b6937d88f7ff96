package io.sparktrain.diagnostics;

/** A node whose native kernels compute wrong results; training there would produce garbage. */
public final class BrokenKernelsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param where the executor and host; @param report its self-check */
    public BrokenKernelsException(String where, NativeReport report) {
        super(where + ": native kernel self-check failed (" + report.failures() + "); native build "
                + report.platform() + (report.extension().isEmpty() ? "" : report.extension())
                + ", BLAS " + report.blasVendor() + ": the native library is broken or does not match this CPU; "
                + "run `sparktrain doctor` there, or choose another build with SPARKTRAIN_NATIVE_EXTENSION");
    }
}
