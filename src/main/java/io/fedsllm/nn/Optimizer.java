package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * An optimiser over a fixed list of trainable arrays (a party's LoRA, or every base weight in pre-training):
 * {@link AdamW} or {@link Sgd}. A step reads the gradients accumulated by backward, clips their global norm (the
 * norm over this optimiser's arrays only: per party in a split), updates the arrays in place and zeroes the
 * gradients.
 */
public interface Optimizer {
    /** The settings of one optimiser; {@link #create} builds the optimiser they describe. */
    sealed interface Settings permits AdamW.Settings, Sgd.Settings {
        /** Global gradient-norm clip, 0 = off. */
        double clipNorm();
    }

    /** The optimiser the settings describe over {@code params}; its state lives in {@code stateManager}. */
    static Optimizer create(List<NDArray> params, NDManager stateManager, Settings settings) {
        if (settings instanceof AdamW.Settings adam) {
            return new AdamW(params, stateManager, adam);
        }
        return new Sgd(params, stateManager, (Sgd.Settings) settings);
    }

    /** The trained arrays, in order. */
    List<NDArray> params();

    /**
     * One update from the accumulated gradients, then zeroes them. Must run outside a gradient collector; safe on
     * any thread (the implementations switch PyTorch's per-thread grad mode off for the in-place update).
     */
    void step(NDManager stepManager);

    /** Scales the learning rate from the next step on (a schedule: warm-up, decay). */
    void setLearningRateFactor(double factor);

    /**
     * Everything the optimiser carries from step to step — its step count and its state arrays (AdamW: the moments m
     * then v; SGD: the momentum buffers), as floats in {@link #params()} order — for a checkpoint.
     */
    record State(long steps, List<float[]> arrays) {
        public State {
            arrays = List.copyOf(arrays);
        }
    }

    /** The state to continue from exactly ({@link #restore}). */
    State state();

    /** Continues from {@code state} (taken from an optimiser of the same kind over arrays of the same shapes). */
    void restore(State state);

    /**
     * Runs an in-place update with PyTorch's grad mode off: the mode is per thread and ON where the engine was not
     * loaded, and in-place updates of parameters that require gradients fail under it; restored afterwards.
     */
    static void withoutGradMode(Runnable update) {
        boolean gradMode = JniUtils.isGradMode();
        if (gradMode) {
            JniUtils.setGradMode(false);
        }
        try {
            update.run();
        } finally {
            if (gradMode) {
                JniUtils.setGradMode(true);
            }
        }
    }

    /**
     * The gradient of every parameter as floats (a copy; gradients of parameters the graph did not reach are
     * zeros). Each getGradient() wrapper is closed at once.
     */
    default List<float[]> gradients() {
        List<float[]> out = new ArrayList<>();
        for (NDArray p : params()) {
            try (NDArray g = p.getGradient()) {
                out.add(g.toFloatArray());
            }
        }
        return out;
    }

    /** Global L2 norm of the current gradients. */
    default double gradientNorm() {
        double sq = 0;
        for (float[] g : gradients()) {
            for (float x : g) {
                sq += (double) x * x;
            }
        }
        return Math.sqrt(sq);
    }

    /** The factor that clips the current gradients to {@code clipNorm} (1 when 0 = off or the norm is within it). */
    default float clipFactor(double clipNorm) {
        if (clipNorm > 0) {
            double norm = gradientNorm();
            if (norm > clipNorm) {
                return (float) (clipNorm / norm);
            }
        }
        return 1f;
    }

    /** Clears the accumulated gradients without updating (e.g. after a gradient-only test step). */
    default void zeroGradients() {
        for (NDArray p : params()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
