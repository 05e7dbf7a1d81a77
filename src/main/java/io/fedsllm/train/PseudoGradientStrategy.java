package io.fedsllm.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The common shape of every {@link ServerStrategy}: the |D_k|-weighted average of the uploads ({@link FedAvg}), the
 * check that the global copy matches it, then {@link #update} per tensor from the global copy and the average (the
 * average alone for {@code fedavg}); state in a {@link StrategyState} aligned to the global copy's layout.
 */
abstract class PseudoGradientStrategy implements ServerStrategy {
    final StrategyState state;

    PseudoGradientStrategy(String name, List<String> slots) {
        this.state = new StrategyState(name, slots);
    }

    @Override
    public LoraBlocks aggregate(LoraBlocks global, List<LoraBlocks> uploads, List<Integer> samples) {
        LoraBlocks average = FedAvg.average(uploads, samples);
        StrategyState.checkGlobal(global, average);
        state.align(global);
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
        average.blocks().forEach((block, tensors) -> {
            int t = state.nextStep(block);
            Map<String, float[]> m = new LinkedHashMap<>();
            tensors.forEach((name, avg) -> m.put(name, update(block, name, t, global.blocks().get(block).get(name), avg)));
            out.put(block, m);
        });
        return new LoraBlocks(out, average.rank());
    }

    /**
     * The new values of one tensor from the global copy the round started from and the average of the uploads; the
     * state of (block, tensor) is updated in place; {@code t} is the block's step count (1 on its first round).
     */
    abstract float[] update(int block, String tensor, int t, float[] global, float[] average);

    @Override
    public byte[] state() {
        return state.toBytes();
    }

    @Override
    public void restoreState(byte[] bytes) {
        state.restore(bytes);
    }

    @Override
    public String name() {
        return state.strategy();
    }
}
