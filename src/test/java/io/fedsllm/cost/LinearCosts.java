package io.fedsllm.cost;

/**
 * A small synthetic cost model for tests: per-layer forward FLOPs (base and per rank), activation bits at each
 * split and LoRA bits per layer per rank, all per mini-batch; the server also runs a head.
 */
public record LinearCosts(double[] layerFlops, double[] layerLoraFlopsPerRank, double headFlops, double[] activationBitsAt,
        double loraBitsPerLayerPerRank) implements SplitCosts {

    @Override
    public int layers() {
        return layerFlops.length;
    }

    private void check(int split) {
        if (split < 1 || split >= layers()) {
            throw new IllegalArgumentException("split " + split);
        }
    }

    @Override
    public double clientForwardFlops(int split, int rank) {
        check(split);
        double f = 0;
        for (int j = 0; j < split; j++) {
            f += layerFlops[j] + rank * layerLoraFlopsPerRank[j];
        }
        return f;
    }

    @Override
    public double serverForwardFlops(int split, int rank) {
        check(split);
        double f = headFlops;
        for (int j = split; j < layers(); j++) {
            f += layerFlops[j] + rank * layerLoraFlopsPerRank[j];
        }
        return f;
    }

    @Override
    public double activationBits(int split) {
        check(split);
        return activationBitsAt[split - 1];
    }

    @Override
    public double clientLoraBits(int split, int rank) {
        check(split);
        return rank * split * loraBitsPerLayerPerRank;
    }
}
