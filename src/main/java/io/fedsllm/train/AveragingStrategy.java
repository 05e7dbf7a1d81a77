package io.fedsllm.train;

import java.util.List;

/**
 * {@code fedavg} and {@code fedprox} at the federated server: the |D_k|-weighted average ({@link FedAvg}) as it is,
 * bit for bit; no state (the bytes hold only the strategy's name).
 */
final class AveragingStrategy extends PseudoGradientStrategy {
    AveragingStrategy(String name) {
        super(name, List.of());
    }

    @Override
    public LoraBlocks aggregate(LoraBlocks global, List<LoraBlocks> uploads, List<Integer> samples) {
        LoraBlocks average = FedAvg.average(uploads, samples);
        StrategyState.checkGlobal(global, average);
        return average;
    }

    @Override
    float[] update(int block, String tensor, int t, float[] global, float[] average) {
        return average;
    }
}
