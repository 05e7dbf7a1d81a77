package io.fedsllm.train;

import io.fedsllm.config.OptimizationSettings;
import java.util.List;

/**
 * {@code fedavgm} (Hsu et al. 2019, "Measuring the effects of non-identical data distribution"; Flower's FedAvgM):
 * the pseudo-gradient d = w_global − average drives server momentum v ← β v + d (v starts at 0, so the first round
 * has v = d) and w_global ← w_global − η v. With η = 1 and β = 0 it is fedavg up to rounding. State: slot
 * "momentum" (v) per tensor. Arithmetic in double, state and results stored as float.
 */
final class FedAvgMStrategy extends PseudoGradientStrategy {
    private final OptimizationSettings.FedAvgM settings;

    FedAvgMStrategy(OptimizationSettings.FedAvgM settings) {
        super("fedavgm", List.of("momentum"));
        this.settings = settings;
    }

    @Override
    float[] update(int block, String tensor, int t, float[] global, float[] average) {
        float[] v = state.values(block, tensor, "momentum");
        float[] out = new float[global.length];
        for (int i = 0; i < out.length; i++) {
            double d = (double) global[i] - average[i];
            v[i] = (float) (settings.momentum() * v[i] + d);
            out[i] = (float) (global[i] - settings.learningRate() * v[i]);
        }
        return out;
    }
}
