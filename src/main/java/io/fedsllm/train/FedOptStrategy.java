package io.fedsllm.train;

import io.fedsllm.config.OptimizationSettings;
import java.util.List;

/**
 * {@code fedadam}, {@code fedyogi}, {@code fedadagrad}: Reddi et al. 2021, "Adaptive Federated Optimization",
 * Algorithm 2. The weighted average client change Δ = average − w_global is a pseudo-gradient (ascent direction):
 * <pre>
 *   m ← β1 m + (1 − β1) Δ
 *   v ← β2 v + (1 − β2) Δ²                    (adam)
 *   v ← v − (1 − β2) Δ² sign(v − Δ²)          (yogi)
 *   v ← v + Δ²                                (adagrad)
 *   w_global ← w_global + η m̂ / (sqrt(v̂) + τ) − η λ w_global
 * </pre>
 * with m and v starting at 0 (as PyTorch and Flower), m̂ = m / (1 − β1^t) and v̂ = v / (1 − β2^t) (adam, yogi) when
 * {@code bias-correction} is on (else m̂ = m, v̂ = v, as the paper), t the block's round count, λ the decoupled
 * weight decay (0 in the paper). With bias correction and λ = AdamW's, fedadam is AdamW applied to −Δ. State: slots
 * "m" and "v" per tensor. Arithmetic in double, state and results stored as float (so a restored state continues
 * exactly).
 */
final class FedOptStrategy extends PseudoGradientStrategy {
    private final OptimizationSettings.Strategy kind;
    private final OptimizationSettings.FedOpt s;

    FedOptStrategy(OptimizationSettings.Strategy kind, OptimizationSettings.FedOpt settings) {
        super(io.fedsllm.config.ConfigReader.configName(kind), List.of("m", "v"));
        this.kind = kind;
        this.s = settings;
    }

    @Override
    float[] update(int block, String tensor, int t, float[] global, float[] average) {
        float[] m = state.values(block, tensor, "m");
        float[] v = state.values(block, tensor, "v");
        double mCorrection = s.biasCorrection() ? 1 - Math.pow(s.beta1(), t) : 1;
        double vCorrection = s.biasCorrection() && kind != OptimizationSettings.Strategy.FEDADAGRAD ? 1 - Math.pow(s.beta2(), t) : 1;
        float[] out = new float[global.length];
        for (int i = 0; i < out.length; i++) {
            double delta = (double) average[i] - global[i];
            double sq = delta * delta;
            m[i] = (float) (s.beta1() * m[i] + (1 - s.beta1()) * delta);
            v[i] = (float) switch (kind) {
                case FEDADAM -> s.beta2() * v[i] + (1 - s.beta2()) * sq;
                case FEDYOGI -> v[i] - (1 - s.beta2()) * sq * Math.signum(v[i] - sq);
                default -> v[i] + sq;
            };
            double step = (m[i] / mCorrection) / (Math.sqrt(v[i] / vCorrection) + s.epsilon());
            out[i] = (float) (global[i] + s.learningRate() * step - s.learningRate() * s.weightDecay() * global[i]);
        }
        return out;
    }
}
