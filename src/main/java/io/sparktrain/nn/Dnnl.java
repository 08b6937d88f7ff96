package io.sparktrain.nn;

import java.util.Optional;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.javacpp.Pointer;

/**
 * The process's oneDNN CPU engine, loaded once through JavaCPP's presets. oneDNN primitives created on it run the
 * JIT kernels for this CPU (AVX2, AVX-512, ...), chosen by oneDNN at run time whatever ND4J native build is loaded.
 */
public final class Dnnl {
    private static final String DISABLE_PROPERTY = "sparktrain.onednn";
    private static volatile Optional<engine> cpu;
    private static volatile String loadFailure = "";

    private Dnnl() {
    }

    /** False when {@code -Dsparktrain.onednn=false} asks for DL4J's own layers. */
    public static boolean wanted() {
        return !"false".equalsIgnoreCase(System.getProperty(DISABLE_PROPERTY));
    }

    /** True when oneDNN is wanted and its native library loaded. */
    public static boolean usable() {
        return wanted() && cpuEngine().isPresent();
    }

    /** Why oneDNN could not be loaded, or "" when it was (or has not been tried). */
    public static String loadFailure() {
        return loadFailure;
    }

    /** The CPU engine, or empty when the native library cannot be loaded on this machine. */
    public static Optional<engine> cpuEngine() {
        Optional<engine> e = cpu;
        if (e == null) {
            synchronized (Dnnl.class) {
                e = cpu;
                if (e == null) {
                    try {
                        e = Optional.of(new engine(engine.kind.cpu, 0));
                    } catch (RuntimeException | LinkageError failure) {
                        loadFailure = failure.toString();
                        e = Optional.empty();
                    }
                    cpu = e;
                }
            }
        }
        return e;
    }

    /** oneDNN's version, e.g. "2.5.2", or "unavailable". */
    public static String version() {
        if (cpuEngine().isEmpty()) {
            return "unavailable";
        }
        dnnl_version_t v = dnnl.dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }

    /** A JavaCPP pointer to native memory that belongs to someone else (an ND4J buffer). */
    static Pointer at(long address) {
        return new Borrowed(address);
    }

    private static final class Borrowed extends Pointer {
        Borrowed(long address) {
            this.address = address;
        }
    }
}
