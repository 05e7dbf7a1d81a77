package io.fedsllm.nn;

import static io.fedsllm.nn.AdamWTest.GRADS;
import static io.fedsllm.nn.AdamWTest.START;
import static io.fedsllm.nn.AdamWTest.maxDiff;
import static io.fedsllm.nn.AdamWTest.threeSteps;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three SGD steps on AdamWTest's two parameters and gradients (global norms ≈ 9, 35, 4) against torch.optim.SGD's
 * update written out in doubles, for plain SGD, heavy-ball and Nesterov momentum, weight decay, and the clip.
 */
class SgdTest {
    /** torch.optim.SGD (dampening 0) by hand, with the global-norm clip of the raw gradient first. */
    static double[][] reference(Sgd.Settings s, int steps) {
        double[][] p = {START[0].clone(), START[1].clone()};
        double[][] buf = {new double[3], new double[4]};
        for (int t = 1; t <= steps; t++) {
            double sq = 0;
            for (double[] g : GRADS[t - 1]) {
                for (double x : g) {
                    sq += x * x;
                }
            }
            double clip = s.clipNorm() > 0 && Math.sqrt(sq) > s.clipNorm() ? s.clipNorm() / Math.sqrt(sq) : 1;
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < p[k].length; i++) {
                    double g = GRADS[t - 1][k][i] * clip + s.weightDecay() * p[k][i];
                    if (s.momentum() > 0) {
                        buf[k][i] = t == 1 ? g : s.momentum() * buf[k][i] + g;
                        g = s.nesterov() ? g + s.momentum() * buf[k][i] : buf[k][i];
                    }
                    p[k][i] -= s.learningRate() * g;
                }
            }
        }
        return p;
    }

    @Test
    void threeSgdStepsMatchTorchSgdByHandForEveryVariant() throws Exception {
        Engine.getEngine("PyTorch");
        List<Sgd.Settings> variants = List.of(
                new Sgd.Settings(0.01, 0, false, 0, 0),
                new Sgd.Settings(0.01, 0, false, 0, 1.0),
                new Sgd.Settings(0.01, 0.9, false, 0, 1.0),
                new Sgd.Settings(0.01, 0.9, true, 0, 0),
                new Sgd.Settings(0.01, 0.5, true, 0.1, 1.0));
        Object[] r = FreshThread.call(() -> {
            boolean before = JniUtils.isGradMode();
            double[][][] out = new double[variants.size()][][];
            for (int v = 0; v < variants.size(); v++) {
                out[v] = threeSteps(variants.get(v));
            }
            return new Object[] {before, JniUtils.isGradMode(), out};
        });
        assertTrue((Boolean) r[0] && (Boolean) r[1], "a fresh thread starts in grad mode and SGD restores it");
        double[][][] real = (double[][][]) r[2];
        double tol = 2e-6; // float32 arithmetic, parameters of order 1
        for (int v = 0; v < variants.size(); v++) {
            double d = maxDiff(reference(variants.get(v), 3), real[v]);
            assertTrue(d < tol, variants.get(v) + ": max |real - reference| = " + d);
        }
        // Each ingredient moves the result far beyond the tolerance, so the comparisons above can fail.
        for (int v = 1; v < variants.size(); v++) {
            double d = maxDiff(reference(variants.get(v - 1), 3), reference(variants.get(v), 3));
            assertTrue(d > 100 * tol, variants.get(v - 1) + " vs " + variants.get(v) + " differ by only " + d);
        }
    }

    @Test
    void settingsRejectWhatTorchRejects() {
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Settings(0, 0, false, 0, 0), "lr > 0");
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Settings(0.1, 1.0, false, 0, 0), "momentum < 1");
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Settings(0.1, 0, true, 0, 0), "Nesterov needs momentum");
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Settings(0.1, 0, false, -1, 0), "weight decay >= 0");
    }
}
