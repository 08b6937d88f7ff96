package io.sparktrain.nn;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Sets the native thread counts of this JVM at run time: ND4J's OpenMP threads per op and BLAS threads. Launch
 * scripts set OMP_NUM_THREADS before the JVM starts; this is for one JVM that needs two settings in turn
 * ({@code bench}).
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    /**
     * Gives the calling thread the OpenMP thread count ND4J is set to. OpenMP keeps that count per thread, and a
     * Spark task thread starts from the process default (all cores), so without this each concurrent task's
     * oneDNN calls would use every core and oversubscribe the machine.
     */
    public static void alignCallingThread() {
        // ND4J's backend first: NativeOpsHolder cannot initialise before it, and in a fresh executor JVM (one that
        // replaced a lost executor) this can be the first ND4J call.
        int threads = Nd4j.getEnvironment().maxMasterThreads();
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /** Each of {@code workers} concurrent tasks' share of {@code cores}: at least one thread. */
    public static int perWorker(int cores, int workers) {
        return Math.max(1, cores / Math.max(1, workers));
    }

    /** Uses {@code threads} threads for native ops and BLAS from now on. */
    public static void set(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }
}
