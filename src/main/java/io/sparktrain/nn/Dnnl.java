package io.sparktrain.nn;

import java.util.Optional;
import java.util.function.Supplier;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The process's oneDNN CPU engine, loaded once through JavaCPP's presets. oneDNN primitives created on it run the
 * JIT kernels for this CPU (AVX2, AVX-512, ...), chosen by oneDNN at run time whatever ND4J native build is loaded.
 */
public final class Dnnl {
    private static final String DISABLE_PROPERTY = "sparktrain.onednn";
    private static volatile Optional<engine> cpu;
    private static volatile String loadFailure = "";
    private static volatile int threads;

    private Dnnl() {
    }

    /**
     * OpenMP threads each fused block's primitives are created for. oneDNN splits a primitive's work for the thread
     * count current when the primitive is created and runs that many threads ever after, whatever the calling
     * thread's OpenMP setting is at run time.
     *
     * @return the count {@link #setThreads} gave, else ND4J's threads per op
     */
    public static int threads() {
        int t = threads;
        return t > 0 ? t : Nd4j.getEnvironment().maxMasterThreads();
    }

    /**
     * Creates fused blocks' primitives for {@code count} threads from now on (0: ND4J's threads per op). A process
     * can give its blocks every core while ND4J's own small ops run on one, which is faster than either alone.
     */
    public static void setThreads(int count) {
        threads = count;
    }

    /** Runs {@code create} with the calling thread's OpenMP count at {@code count}, then back at ND4J's. */
    static <T> T withOpenMpThreads(int count, Supplier<T> create) {
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        ops.setOmpNumThreads(count);
        try {
            return create.get();
        } finally {
            ops.setOmpNumThreads(Nd4j.getEnvironment().maxMasterThreads());
        }
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

    /**
     * The implementation oneDNN picks on this CPU for a training convolution of the MNIST network's second block
     * (e.g. "jit:avx512_common"; "ref" would mean no vectorised kernel for this CPU), or "unavailable".
     */
    public static String convolutionKernel() {
        return cpuEngine().map(e -> {
            memory.format_tag any = memory.format_tag.any;
            long[] pad = {1, 1};
            convolution_forward.desc d = new convolution_forward.desc(prop_kind.forward_training,
                    algorithm.convolution_direct, desc(new long[] {64, 32, 14, 14}, any),
                    desc(new long[] {64, 32, 3, 3}, any), desc(new long[] {64}, any),
                    desc(new long[] {64, 64, 14, 14}, any), new long[] {1, 1}, pad, pad);
            return new convolution_forward.primitive_desc(d, e).impl_info_str().getString();
        }).orElse("unavailable");
    }

    /**
     * The implementation oneDNN picks on this CPU for the training forward pass of the sequential-MNIST LSTM (28
     * inputs, 128 units, 28 steps, 64 sequences; "ref" would mean no vectorised kernel), or "unavailable".
     */
    public static String lstmKernel() {
        return cpuEngine().map(e -> new LstmPlan(e, threads(), 64, 28, 28, 128).implementation())
                .orElse("unavailable");
    }

    private static memory.desc desc(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
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

    /**
     * Attributes giving the primitive its own scratch memory. With oneDNN's default, the library's scratch memory is
     * per thread and set up in the thread that creates the primitive: run from another thread (a Spark task) LSTM and
     * GRU primitives read a null scratch pointer and crashed the JVM. Give the primitive a {@code DNNL_ARG_SCRATCHPAD}
     * memory of its {@code scratchpad_desc()}.
     */
    static primitive_attr ownScratchpad() {
        primitive_attr attr = new primitive_attr();
        attr.set_scratchpad_mode(scratchpad_mode.user);
        return attr;
    }
}
