package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;

/**
 * What {@link AdamW} and {@link Sgd} share: the fixed list of trained arrays, the learning-rate factor of a
 * schedule, and the step: with PyTorch's grad mode off, the clip factor of the global gradient norm, then per
 * parameter the clipped gradient (in a sub-manager of the step's), the optimiser's in-place update, and the
 * gradient zeroed.
 */
abstract class ParamOptimizer implements Optimizer {
    final List<NDArray> params;
    double learningRateFactor = 1;

    ParamOptimizer(List<NDArray> params) {
        this.params = List.copyOf(params);
    }

    @Override
    public void setLearningRateFactor(double factor) {
        this.learningRateFactor = factor;
    }

    /** One update from the accumulated gradients, then zeroes them (see {@link Optimizer#step}). */
    @Override
    public void step(NDManager stepManager) {
        Optimizer.withoutGradMode(() -> {
            float clip = clipFactor(clipNorm());
            float lr = beginStep(learningRateFactor);
            try (NDManager tmp = stepManager.newSubManager()) {
                for (int i = 0; i < params.size(); i++) {
                    NDArray p = params.get(i);
                    NDArray g = p.getGradient();
                    g.attach(tmp);
                    update(i, p, clip == 1f ? g : g.mul(clip), lr, tmp);
                    JniUtils.zeroGrad((PtNDArray) p);
                }
            }
        });
    }

    /** The global gradient-norm clip, 0 = off. */
    abstract double clipNorm();

    /** Starts a step (counters, per-step factors); returns the step's learning rate as float. */
    abstract float beginStep(double learningRateFactor);

    /** Updates parameter {@code i} (= p) in place from its clipped gradient {@code g}; temporaries go to {@code tmp}. */
    abstract void update(int i, NDArray p, NDArray g, float lr, NDManager tmp);

    @Override
    public List<NDArray> params() {
        return params;
    }

    /** The state arrays in order (restored in place). */
    abstract List<NDArray> stateArrays();

    /** The step count carried between steps (AdamW's t; 0 when there is none). */
    abstract long steps();

    abstract void steps(long steps);

    @Override
    public State state() {
        List<float[]> out = new java.util.ArrayList<>();
        for (NDArray a : stateArrays()) {
            out.add(a.toFloatArray());
        }
        return new State(steps(), out);
    }

    @Override
    public void restore(State state) {
        List<NDArray> arrays = stateArrays();
        if (state.arrays().size() != arrays.size()) {
            throw new IllegalArgumentException("optimiser state of " + state.arrays().size() + " arrays, this optimiser has "
                    + arrays.size());
        }
        for (int i = 0; i < arrays.size(); i++) {
            if (state.arrays().get(i).length != arrays.get(i).getShape().size()) {
                throw new IllegalArgumentException("optimiser state array " + i + " of " + state.arrays().get(i).length
                        + " values, expected " + arrays.get(i).getShape().size());
            }
            arrays.get(i).set(state.arrays().get(i));
        }
        steps(state.steps());
    }
}
