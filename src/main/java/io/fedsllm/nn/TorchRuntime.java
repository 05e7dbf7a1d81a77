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

    /** The current intra-op thread count. */
    public static int threads() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
