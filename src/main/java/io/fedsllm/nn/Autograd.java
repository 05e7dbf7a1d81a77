package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch autograd without DJL's {@code GradientCollector}, which allows one open collector per JVM: PyTorch's grad
 * mode is per thread, so every compute call switches it on its own thread for the ops that must record a graph, and
 * back-propagates through the engine with an explicit upstream gradient ({@code JniUtils.backward}, what the
 * collector itself calls). Several parties of one JVM can therefore build and back-propagate graphs at the same
 * time on different threads. Below DJL's public API: {@code AutogradTest} pins the behaviour relied on.
 */
public final class Autograd {
    private Autograd() {}

    /** A grad-mode setting of the calling thread, restored on close. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Ops on this thread record a graph until close (the previous mode is restored then). */
    public static Scope recording() {
        return mode(true);
    }

    /** Ops on this thread record nothing until close (in-place parameter updates need this). */
    public static Scope paused() {
        return mode(false);
    }

    private static Scope mode(boolean on) {
        boolean previous = JniUtils.isGradMode();
        if (previous != on) {
            JniUtils.setGradMode(on);
        }
        return () -> {
            if (previous != on) {
                JniUtils.setGradMode(previous);
            }
        };
    }

    /** Back-propagates a scalar (upstream gradient 1, as {@code GradientCollector.backward}) into the leaves' gradients. */
    public static void backward(NDArray scalar) {
        NDArray ones = scalar.getManager().ones(scalar.getShape(), scalar.getDataType())
                .toDevice(scalar.getDevice(), false);
        backward(scalar, ones);
    }

    /** Back-propagates {@code output} with the given upstream gradient (same shape) into the leaves' gradients. */
    public static void backward(NDArray output, NDArray upstream) {
        JniUtils.backward((PtNDArray) output, (PtNDArray) upstream, false, false);
    }
}
