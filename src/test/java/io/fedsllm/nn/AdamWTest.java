package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three AdamW steps on two parameters against a reference in plain Java doubles, with gradients whose global norm
 * (≈ 9, 35, 4) is far above the clip norm 1, so the clip fires with a different factor at each step and does not
 * cancel out as it does in Adam's first step.
 */
class AdamWTest {
    static final double[][] START = {{0.5, -1.2, 2.0}, {0.3, -0.7, 1.1, 0.05}};
    /** The gradient of each parameter at steps 1, 2, 3 (set through the loss Σ p · g). */
    static final double[][][] GRADS = {
            {{3, -4, 6}, {1, 2, -2, 3}},
            {{-20, 10, 5}, {15, -25, 5, 2}},
            {{1, 2, -3}, {0.5, -1, 2, -1.5}}};

    /** Which parts of AdamW the reference applies (the real one applies them all). */
    record Variant(boolean biasCorrection, boolean decoupledDecay, boolean globalClip) {}

    static final Variant ADAMW = new Variant(true, true, true);

    /** p after the steps, by hand: clip g by the global norm, moments, bias correction, decoupled weight decay. */
    static double[][] reference(AdamW.Settings s, int steps, Variant variant) {
        double[][] p = {START[0].clone(), START[1].clone()};
        double[][] m = {new double[3], new double[4]};
        double[][] v = {new double[3], new double[4]};
        for (int t = 1; t <= steps; t++) {
            double[][] g = new double[2][];
            double sq = 0;
            for (int k = 0; k < 2; k++) {
                g[k] = GRADS[t - 1][k].clone();
                if (!variant.decoupledDecay()) {
                    for (int i = 0; i < g[k].length; i++) {
                        g[k][i] += s.weightDecay() * p[k][i]; // L2 in the gradient (Adam + L2, not AdamW)
                    }
                }
                for (double x : g[k]) {
                    sq += x * x;
                }
            }
            for (int k = 0; k < 2; k++) {
                double normK = 0;
                for (double x : g[k]) {
                    normK += x * x;
                }
                double norm = variant.globalClip() ? Math.sqrt(sq) : Math.sqrt(normK);
                double clip = s.clipNorm() > 0 && norm > s.clipNorm() ? s.clipNorm() / norm : 1;
                for (int i = 0; i < g[k].length; i++) {
                    double gc = g[k][i] * clip;
                    m[k][i] = s.beta1() * m[k][i] + (1 - s.beta1()) * gc;
                    v[k][i] = s.beta2() * v[k][i] + (1 - s.beta2()) * gc * gc;
                    double mHat = variant.biasCorrection() ? m[k][i] / (1 - Math.pow(s.beta1(), t)) : m[k][i];
                    double vHat = variant.biasCorrection() ? v[k][i] / (1 - Math.pow(s.beta2(), t)) : v[k][i];
                    double decay = variant.decoupledDecay() ? s.weightDecay() * p[k][i] : 0;
                    p[k][i] -= s.learningRate() * (mHat / (Math.sqrt(vHat) + s.epsilon()) + decay);
                }
            }
        }
        return p;
    }

    /** The real optimiser (AdamW, or another {@link Optimizer}): three steps whose gradients come from backward of Σ p · g. */
    static double[][] threeSteps(Optimizer.Settings s) {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> params = new ArrayList<>();
            params.add(manager.create(toFloats(START[0]), new Shape(3)));
            params.add(manager.create(toFloats(START[1]), new Shape(2, 2)));
            params.forEach(p -> p.setRequiresGradient(true));
            Optimizer adam = Optimizer.create(params, manager, s);
            for (int t = 0; t < 3; t++) {
                try (NDManager step = manager.newSubManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = params.get(0).mul(step.create(toFloats(GRADS[t][0]), new Shape(3))).sum()
                                .add(params.get(1).mul(step.create(toFloats(GRADS[t][1]), new Shape(2, 2))).sum());
                        gc.backward(loss);
                    }
                    adam.step(step);
                }
            }
            double[][] out = new double[2][];
            for (int k = 0; k < 2; k++) {
                float[] f = params.get(k).toFloatArray();
                out[k] = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    out[k][i] = f[i];
                }
            }
            return out;
        }
    }

    static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    static double maxDiff(double[][] a, double[][] b) {
        double d = 0;
        for (int k = 0; k < a.length; k++) {
            for (int i = 0; i < a[k].length; i++) {
                d = Math.max(d, Math.abs(a[k][i] - b[k][i]));
            }
        }
        return d;
    }

    /**
     * Runs on a fresh thread, where PyTorch's grad mode is ON (DJL turns it off only on the thread that loaded the
     * engine): AdamW must still update in place, and leave the thread's grad mode as it found it.
     */
    @Test
    void threeAdamWStepsMatchAHandComputedReferenceWithAndWithoutClipping() throws Exception {
        Engine.getEngine("PyTorch");
        AdamW.Settings clipped = new AdamW.Settings(0.01, 0.9, 0.999, 1e-8, 0.1, 1.0);
        AdamW.Settings unclipped = new AdamW.Settings(0.01, 0.9, 0.999, 1e-8, 0.1, 0);
        Object[] r = FreshThread.call(() -> {
            boolean gradModeBefore = JniUtils.isGradMode();
            double[][] withClip = threeSteps(clipped);
            double[][] withoutClip = threeSteps(unclipped);
            return new Object[] {gradModeBefore, JniUtils.isGradMode(), withClip, withoutClip};
        });
        assertTrue((Boolean) r[0], "a fresh thread starts in grad mode (the case AdamW must handle)");
        assertTrue((Boolean) r[1], "AdamW restores the thread's grad mode");
        double[][] withClip = (double[][]) r[2];
        double[][] withoutClip = (double[][]) r[3];
        double tol = 2e-6; // float32 arithmetic in the real optimiser, parameters of order 1

        assertTrue(maxDiff(reference(clipped, 3, ADAMW), withClip) < tol,
                "clipped: max |real - reference| = " + maxDiff(reference(clipped, 3, ADAMW), withClip));
        assertTrue(maxDiff(reference(unclipped, 3, ADAMW), withoutClip) < tol,
                "unclipped: max |real - reference| = " + maxDiff(reference(unclipped, 3, ADAMW), withoutClip));

        // The comparison can tell each ingredient apart: leaving one out moves the result far beyond the tolerance.
        double clipEffect = maxDiff(reference(clipped, 3, ADAMW), reference(unclipped, 3, ADAMW));
        assertTrue(clipEffect > 100 * tol, "the clip scale matters after step 1: " + clipEffect);
        assertTrue(maxDiff(reference(clipped, 1, ADAMW), reference(unclipped, 1, ADAMW)) < tol,
                "in the first step the clip factor cancels out (why a first-step test cannot check it)");
        for (Variant wrong : List.of(new Variant(false, true, true), new Variant(true, false, true), new Variant(true, true, false))) {
            double d = maxDiff(reference(clipped, 3, wrong), withClip);
            assertTrue(d > 100 * tol, wrong + " would differ by " + d);
        }
        assertEquals(0.5, START[0][0], 0, "the fixture is untouched");
    }
}
