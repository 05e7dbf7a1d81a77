package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter 2019) over a fixed list of trainable arrays (the LoRA parameters, or every base
 * weight during pre-training), with optional clipping of the global gradient norm. Moments live in the
 * parameters' manager and are updated in place; temporaries go to the step manager.
 */
public final class AdamW extends ParamOptimizer {
    /** Settings: learning rate, betas, epsilon, decoupled weight decay, clip norm (0 = no clipping). */
    public record Settings(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                           double clipNorm) implements Optimizer.Settings {}

    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final Settings settings;
    private int t;
    private double bc1;
    private double bc2;

    public AdamW(List<NDArray> params, NDManager stateManager, Settings settings) {
        super(params);
        this.settings = settings;
        for (NDArray p : params) {
            m.add(stateManager.zeros(p.getShape()));
            v.add(stateManager.zeros(p.getShape()));
        }
    }

    @Override
    double clipNorm() {
        return settings.clipNorm();
    }

    @Override
    List<NDArray> stateArrays() {
        List<NDArray> all = new ArrayList<>(m);
        all.addAll(v);
        return all;
    }

    @Override
    long steps() {
        return t;
    }

    @Override
    void steps(long steps) {
        t = Math.toIntExact(steps);
    }

    @Override
    float beginStep(double learningRateFactor) {
        t++;
        bc1 = 1 - Math.pow(settings.beta1(), t);
        bc2 = 1 - Math.pow(settings.beta2(), t);
        return (float) (settings.learningRate() * learningRateFactor);
    }

    @Override
    void update(int i, NDArray p, NDArray gs, float lr, NDManager tmp) {
        float b1 = (float) settings.beta1();
        float b2 = (float) settings.beta2();
        m.get(i).muli(b1).addi(gs.mul(1 - b1));
        v.get(i).muli(b2).addi(gs.square().mul(1 - b2));
        NDArray mHat = m.get(i).div((float) bc1);
        mHat.attach(tmp); // ops on the moments land in the state manager: move them to the step
        NDArray denom = v.get(i).div((float) bc2);
        denom.attach(tmp);
        NDArray update = mHat.div(denom.sqrt().add((float) settings.epsilon()));
        if (settings.weightDecay() > 0) {
            update = update.add(p.mul((float) settings.weightDecay()));
        }
        p.subi(update.mul(lr));
    }
}
