package io.fedsllm.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** Process-wide PyTorch settings (the engine is loaded on first use). */
public final class TorchRuntime {
    private TorchRuntime() {}

    /** Loads the PyTorch engine and sets its intra-op thread count. */
    public static void configure(int threads) {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
    }

    /**
     * Prepares the calling thread for DJL work outside gradient collectors: PyTorch's grad mode is per thread and
     * ON in every thread the engine did not initialise (e.g. an actor dispatcher's), where in-place optimiser
     * updates of parameters would then fail ("a leaf Variable that requires grad is being used in an in-place
     * operation"). DJL turns it off only on the thread that loads the engine.
     */
    public static void prepareThread() {
        Engine.getEngine("PyTorch");
        JniUtils.setGradMode(false);
    }

    /**
     * Prepares the calling thread for one compute call of a party that may run on any thread of a pool: grad mode
     * off ({@link #prepareThread}) and {@code threads} intra-op threads for this thread's ops. PyTorch keeps the
     * intra-op thread count per thread (OpenMP's nthreads ICV and MKL's local setting) once the thread's lazy
     * initialisation has run, which reading the count triggers; so parties on different threads of one JVM compute
     * with their own counts at the same time. The count changes how reductions are split, so results depend on it
     * bitwise and it must be a configured constant, never the machine's core count. Pinned by
     * {@code TorchRuntimeTest}.
     */
    public static void enter(int threads) {
        prepareThread();
        if (JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }

    /** The current intra-op thread count (of the calling thread). */
    public static int threads() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
