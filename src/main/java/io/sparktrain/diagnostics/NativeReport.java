package io.sparktrain.diagnostics;

import io.sparktrain.nn.Dl4jConvHelper;
import io.sparktrain.nn.Dnnl;
import io.sparktrain.nn.NativeThreads;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What one JVM's native deep-learning stack is: ND4J backend, BLAS vendor and threads, OpenMP threads, the native
 * build (JavaCPP platform and extension), the CPU's vector extensions, which accelerated helper (oneDNN / cuDNN)
 * each layer kind actually uses, and the kernel self-check. What {@code doctor} prints and what training records
 * per executor in {@code metrics.json} under {@code kernels}.
 *
 * @param host host name
 * @param backend ND4J backend (CPU, CUDA)
 * @param blasVendor BLAS library ND4J calls (OPENBLAS, MKL, CUBLAS)
 * @param blasThreads threads BLAS may use
 * @param ompThreads the threads ND4J gives one native op (its "master threads": OMP_NUM_THREADS, or what
 *     {@link NativeThreads} set)
 * @param ompNumThreadsEnv the OMP_NUM_THREADS environment variable, "" when unset
 * @param cores cores the JVM sees
 * @param platform JavaCPP platform of the loaded native library (e.g. linux-x86_64)
 * @param extension JavaCPP platform extension chosen ("" = generic build; e.g. -avx512, -onednn-avx512)
 * @param oneDnn whether the loaded native library was built with oneDNN
 * @param cpuFlags the vector extensions the CPU reports (avx2, avx512f, ...)
 * @param helpers per layer kind (conv, pooling, batchnorm, lstm, gru), the helper class DL4J uses, or "none"; and
 *     for "conv+pool", whether convolution + pooling pairs run as fused oneDNN blocks; for "lstm-onednn", whether
 *     LSTM layers run on oneDNN's LSTM primitives ({@link io.sparktrain.nn.OnednnLstmLayer})
 * @param memory the JVM's heap and ND4J's off-heap limits, as the launchers derived them (README "Memory")
 * @param checks the kernel self-check
 */
public record NativeReport(String host, String backend, String blasVendor, int blasThreads, int ompThreads,
                           String ompNumThreadsEnv, int cores, String platform, String extension,
                           boolean oneDnn, List<String> cpuFlags, Map<String, String> helpers, Memory memory,
                           List<KernelCheck.Result> checks)
        implements Serializable {

    /**
     * One JVM's memory limits: what ND4J may allocate off the heap is capped by JavaCPP, not by the JVM.
     *
     * @param heapMaxBytes the heap's limit ({@code Runtime.maxMemory()}: -Xmx less one survivor space)
     * @param maxBytes JavaCPP's cap on the native memory its pointers (ND4J's arrays) hold,
     *     {@code -Dorg.bytedeco.javacpp.maxbytes}
     * @param maxPhysicalBytes JavaCPP's cap on the process's resident memory, checked when it allocates,
     *     {@code -Dorg.bytedeco.javacpp.maxphysicalbytes}
     * @param malloc the malloc the native libraries allocate with: "jemalloc" or "tcmalloc" when one is loaded
     *     into the process (the launchers preload jemalloc on executors, {@code EXECUTOR_MALLOC}), else "libc"
     */
    public record Memory(long heapMaxBytes, long maxBytes, long maxPhysicalBytes, String malloc)
            implements Serializable {

        /** This JVM's limits. */
        public static Memory examine() {
            return new Memory(Runtime.getRuntime().maxMemory(), Pointer.maxBytes(), Pointer.maxPhysicalBytes(),
                    mallocInUse());
        }

        /** One line, in MiB. */
        public String describe() {
            return String.format("heap %d MiB, ND4J off-heap cap (maxbytes) %d MiB, process cap (maxphysicalbytes) "
                    + "%d MiB, malloc %s", heapMaxBytes >> 20, maxBytes >> 20, maxPhysicalBytes >> 20, malloc);
        }

        /** Which malloc the process's mapped libraries include (Linux's /proc/self/maps; "libc" elsewhere). */
        static String mallocInUse() {
            try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
                return maps.map(line -> line.contains("libjemalloc") ? "jemalloc"
                                : line.contains("libtcmalloc") ? "tcmalloc" : "")
                        .filter(s -> !s.isEmpty()).findFirst().orElse("libc");
            } catch (IOException | UncheckedIOException e) {
                return "libc";
            }
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("heapMaxBytes", heapMaxBytes);
            m.put("maxBytes", maxBytes);
            m.put("maxPhysicalBytes", maxPhysicalBytes);
            m.put("malloc", malloc);
            return m;
        }
    }

    /** Inspects this JVM. */
    public static NativeReport examine() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        String omp = System.getenv("OMP_NUM_THREADS");
        return new NativeReport(host, String.valueOf(env.get("backend")), String.valueOf(env.get("blas.vendor")),
                intOf(env.get("blas.threads")), Nd4j.getEnvironment().maxMasterThreads(), omp == null ? "" : omp,
                Runtime.getRuntime().availableProcessors(), org.bytedeco.javacpp.Loader.getPlatform(),
                System.getProperty("org.bytedeco.javacpp.platform.extension", ""), Dl4jConvHelper.inNativeBuild(),
                CpuFeatures.vectorFlags(),
                layerHelpers(), Memory.examine(), KernelCheck.run());
    }

    /** True when every self-check passed. */
    public boolean healthy() {
        return checks.stream().allMatch(KernelCheck.Result::passed);
    }

    /** The failed checks as one line, for an error message. */
    public String failures() {
        StringBuilder s = new StringBuilder();
        for (KernelCheck.Result r : checks) {
            if (!r.passed()) {
                s.append(s.length() > 0 ? "; " : "").append(r.kernel()).append(" off by ")
                        .append(String.format("%.3g", r.maxAbsError()));
            }
        }
        return s.toString();
    }

    /** Human-readable lines. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("host            %s%n", host));
        s.append(String.format("backend         %s, BLAS %s (%d threads), OpenMP %d threads, OMP_NUM_THREADS=%s, "
                + "%d cores%n", backend, blasVendor, blasThreads, ompThreads,
                ompNumThreadsEnv.isEmpty() ? "unset" : ompNumThreadsEnv, cores));
        s.append(String.format("native build    %s%s, oneDNN %s%n", platform, extension.isEmpty() ? " (generic)"
                : extension, oneDnn ? "yes" : "no"));
        s.append(String.format("cpu             %s%n", cpuFlags.isEmpty() ? "no AVX" : String.join(" ", cpuFlags)));
        helpers.forEach((k, v) -> s.append(String.format("helper %-12s%s%n", k, v)));
        s.append(String.format("memory          %s%n", memory.describe()));
        for (KernelCheck.Result r : checks) {
            s.append(String.format("check %-10s%s (max error %.2g)%n", r.kernel().split(" ")[0],
                    r.passed() ? "ok" : "FAILED", r.maxAbsError()));
        }
        return s.toString().stripTrailing();
    }

    /**
     * A map for metrics.json. Written out rather than derived with Jackson's convertValue: on a Spark runtime
     * whose jackson-core is older than its jackson-databind that fails (seen on the test cluster).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", host);
        m.put("backend", backend);
        m.put("blasVendor", blasVendor);
        m.put("blasThreads", blasThreads);
        m.put("ompThreads", ompThreads);
        m.put("ompNumThreadsEnv", ompNumThreadsEnv);
        m.put("cores", cores);
        m.put("platform", platform);
        m.put("extension", extension);
        m.put("oneDnn", oneDnn);
        m.put("cpuFlags", cpuFlags);
        m.put("helpers", helpers);
        m.put("memory", memory.toMap());
        m.put("checks", checks.stream().map(r -> Map.<String, Object>of("kernel", r.kernel(),
                "maxAbsError", r.maxAbsError(), "passed", r.passed())).toList());
        return m;
    }

    private static int intOf(Object o) {
        try {
            return Integer.parseInt(String.valueOf(o));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Builds one small layer of each kind and asks which helper DL4J gave it. */
    private static Map<String, String> layerHelpers() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new BatchNormalization.Builder().build())
                .setInputType(InputType.convolutional(6, 6, 1)).build();
        MultiLayerNetwork cnn = new MultiLayerNetwork(conf);
        cnn.init();
        Dl4jConvHelper.useForConvolution(cnn); // as NetworkFactory does
        MultiLayerConfiguration rnn = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new LSTM.Builder().nOut(2).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(2)).build();
        MultiLayerNetwork lstm = new MultiLayerNetwork(rnn);
        lstm.init();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("conv", helper(cnn.getLayer(0)));
        m.put("pooling", helper(cnn.getLayer(1)));
        m.put("batchnorm", helper(cnn.getLayer(2)));
        m.put("lstm", helper(lstm.getLayer(0)));
        m.put("conv+pool", fusedBlocks());
        m.put("lstm-onednn", onednnLstm());
        m.put("gru", gru());
        return m;
    }

    /** How the GRU layers NetworkFactory builds run. */
    private static String gru() {
        if (!Dnnl.wanted()) {
            return "GruLayer with ND4J ops (-Dsparktrain.onednn=false)";
        }
        if (!Dnnl.usable()) {
            return "GruLayer with ND4J ops: oneDNN did not load (" + Dnnl.loadFailure() + ")";
        }
        return "GruLayer (oneDNN " + Dnnl.version() + " lbr_gru)";
    }

    /** How a convolution followed by pooling runs in the networks NetworkFactory builds. */
    private static String fusedBlocks() {
        if (!Dnnl.wanted()) {
            return "separate DL4J layers (-Dsparktrain.onednn=false)";
        }
        if (!Dnnl.usable()) {
            return "separate DL4J layers: oneDNN did not load (" + Dnnl.loadFailure() + ")";
        }
        return "FusedConvPoolLayer (oneDNN " + Dnnl.version() + ", " + Dnnl.convolutionKernel() + ")";
    }

    /** How the LSTM layers of the networks NetworkFactory builds run. */
    private static String onednnLstm() {
        if (!Dnnl.wanted()) {
            return "DL4J's LSTM (-Dsparktrain.onednn=false)";
        }
        if (!Dnnl.usable()) {
            return "DL4J's LSTM: oneDNN did not load (" + Dnnl.loadFailure() + ")";
        }
        return "OnednnLstmLayer (oneDNN " + Dnnl.version() + ", " + Dnnl.lstmKernel() + ")";
    }

    private static String helper(Layer layer) {
        LayerHelper h = layer.getHelper();
        if (h != null) {
            return h.getClass().getSimpleName() + " (libnd4j ops" + (Dl4jConvHelper.inNativeBuild() ? ", oneDNN)" : ")");
        }
        // DL4J 1.0.0-M2's pooling calls libnd4j's pooling ops itself (oneDNN in the oneDNN builds); the others run
        // DL4J's own implementation (im2col + gemm for convolution, gemm per step for LSTM).
        return layer instanceof org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer
                ? "none: libnd4j pooling ops" + (Dl4jConvHelper.inNativeBuild() ? " (oneDNN)" : "")
                : "none: DL4J's built-in implementation";
    }

    /** CPU vector extensions from /proc/cpuinfo (Linux); empty elsewhere. */
    static final class CpuFeatures {
        private static final List<String> WANTED = List.of("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
                "avx512_vnni");

        private CpuFeatures() {
        }

        static List<String> vectorFlags() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("flags")) {
                        List<String> flags = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                        return WANTED.stream().filter(flags::contains).toList();
                    }
                }
            } catch (IOException | RuntimeException e) {
                return List.of();
            }
            return List.of();
        }
    }
}
