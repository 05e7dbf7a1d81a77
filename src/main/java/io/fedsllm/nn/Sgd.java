package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum (heavy ball or Nesterov) and L2 weight decay, as PyTorch's
 * {@code torch.optim.SGD} without dampening: g ← clip · ∇ + wd · p; with momentum μ > 0, buf ← μ · buf + g (buf
 * starts at 0, so the first step has buf = g, as PyTorch) and g ← g + μ · buf (Nesterov) or g ← buf; then
 * p ← p − lr · g. The clip factor is that of the global gradient norm before weight decay (as {@link AdamW}).
 */
public final class Sgd extends ParamOptimizer {
    /**
     * Settings.
     *
     * @param learningRate step size lr
     * @param momentum     μ in [0, 1); 0 = plain SGD (no buffer is kept)
     * @param nesterov     Nesterov momentum (needs μ > 0)
     * @param weightDecay  L2 coefficient added to the gradient (coupled, as PyTorch's SGD)
     * @param clipNorm     global gradient-norm clip, 0 = off
     */
    public record Settings(double learningRate, double momentum, boolean nesterov, double weightDecay, double clipNorm)
            implements Optimizer.Settings {
        public Settings {
            if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1) || weightDecay < 0 || clipNorm < 0) {
                throw new IllegalArgumentException("SGD settings " + learningRate + ", " + momentum + ", " + weightDecay + ", "
                        + clipNorm + ": expected lr > 0, momentum in [0, 1), weight decay >= 0, clip norm >= 0");
            }
            if (nesterov && momentum == 0) {
                throw new IllegalArgumentException("Nesterov SGD needs a momentum > 0");
            }
        }
    }

    private final List<NDArray> buffers = new ArrayList<>();
    private final Settings settings;

    public Sgd(List<NDArray> params, NDManager stateManager, Settings settings) {
        super(params);
        this.settings = settings;
        if (settings.momentum() > 0) {
            for (NDArray p : params) {
                buffers.add(stateManager.zeros(p.getShape()));
            }
        }
    }

    @Override
    double clipNorm() {
        return settings.clipNorm();
    }

    @Override
    List<NDArray> stateArrays() {
        return buffers;
    }

    @Override
    long steps() {
        return 0;
    }

    @Override
    void steps(long steps) {}

    @Override
    float beginStep(double learningRateFactor) {
        return (float) (settings.learningRate() * learningRateFactor);
    }

    @Override
    void update(int i, NDArray p, NDArray g, float lr, NDManager tmp) {
        float mu = (float) settings.momentum();
        NDArray d = g;
        if (settings.weightDecay() > 0) {
            NDArray decay = p.mul((float) settings.weightDecay());
            decay.attach(tmp);
            d = d.add(decay);
        }
        if (mu > 0) {
            NDArray buf = buffers.get(i);
            buf.muli(mu).addi(d);
            if (settings.nesterov()) {
                NDArray ahead = buf.mul(mu);
                ahead.attach(tmp); // ops on the buffer land in the state manager: move them to the step
                d = d.add(ahead);
            } else {
                d = buf;
            }
        }
        NDArray delta = d.mul(lr);
        delta.attach(tmp);
        p.subi(delta);
    }
}
