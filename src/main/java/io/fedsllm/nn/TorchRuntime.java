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

    /** The current intra-op thread count. */
    public static int threads() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
