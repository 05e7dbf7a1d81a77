package io.fedsllm.cost;

/**
 * {@link SplitCosts} over a {@link LayerCosts} table: per-sample numbers times the batch size b, except the FLOPs
 * of the paper's Table III, which are already per mini-batch (SYSTEM_MODEL §2).
 */
public final class LayerSplitCosts implements SplitCosts {
    private final LayerCosts table;
    private final int batchSize;
    private final boolean flopsPerMiniBatch;

    /**
     * @param table             the per-layer table
     * @param batchSize         b, samples per client mini-batch
     * @param flopsPerMiniBatch true when the table's FLOPs already cover a mini-batch (paper-table mode)
     */
    public LayerSplitCosts(LayerCosts table, int batchSize, boolean flopsPerMiniBatch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.table = table;
        this.batchSize = batchSize;
        this.flopsPerMiniBatch = flopsPerMiniBatch;
    }

    public LayerCosts table() {
        return table;
    }

    public int batchSize() {
        return batchSize;
    }

    private double flopsFactor() {
        return flopsPerMiniBatch ? 1 : batchSize;
    }

    @Override
    public int layers() {
        return table.layers();
    }

    @Override
    public double clientForwardFlops(int split, int rank) {
        return flopsFactor() * table.clientFlops(split, rank);
    }

    @Override
    public double serverForwardFlops(int split, int rank) {
        return flopsFactor() * table.serverFlops(split, rank);
    }

    @Override
    public double activationBits(int split) {
        return batchSize * table.splitActivationBits(split);
    }

    @Override
    public double clientLoraBits(int split, int rank) {
        LayerCosts.checkRank(rank);
        return table.clientLoraBits(split, rank);
    }

    @Override
    public String toString() {
        return "LayerSplitCosts[" + table.description() + ", b=" + batchSize + "]";
    }
}
