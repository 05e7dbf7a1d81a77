package io.fedsllm.cost;

import io.fedsllm.config.CostSettings;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import java.util.Arrays;

/**
 * The per-layer cost table of SYSTEM_MODEL §2 for blocks j = 1..L: ρ_j forward FLOPs of the frozen block,
 * ρ'_j LoRA forward FLOPs per unit rank, ψ_j activation bits at the block's output, δ_j LoRA bits per unit rank,
 * plus the head (final LayerNorm + LM head). Embeddings cost nothing (table look-ups). Backward is 2× forward and is
 * applied by the delay model, not here.
 *
 * <p>{@link #derived} gives per-sample numbers; {@link #paperTable} gives the paper's Table III FLOPs, which are
 * per mini-batch (its bit columns are per sample, derived like the other mode). {@link LayerSplitCosts} applies b.
 */
public final class LayerCosts {
    private final String description;
    private final double[] blockFlops;
    private final double[] loraFlopsPerRank;
    private final double headFlops;
    private final double[] activationBits;
    private final double[] loraBitsPerRank;

    LayerCosts(String description, double[] blockFlops, double[] loraFlopsPerRank, double headFlops,
            double[] activationBits, double[] loraBitsPerRank) {
        int l = blockFlops.length;
        if (loraFlopsPerRank.length != l || activationBits.length != l || loraBitsPerRank.length != l) {
            throw new IllegalArgumentException("per-layer arrays must all have " + l + " entries");
        }
        this.description = description;
        this.blockFlops = blockFlops.clone();
        this.loraFlopsPerRank = loraFlopsPerRank.clone();
        this.headFlops = headFlops;
        this.activationBits = activationBits.clone();
        this.loraBitsPerRank = loraBitsPerRank.clone();
    }

    // ---- SYSTEM_MODEL §2 formulas, per sample --------------------------------------------------------------

    /** Self-attention forward: Q, K, V, O projections 2·seq·4d² plus scores and weighted sum 2·seq·2·seq·d. */
    public static double attentionFlops(int seq, int dModel) {
        return 2.0 * seq * (4.0 * dModel * dModel + 2.0 * seq * dModel);
    }

    /** MLP forward: two d × d_ff matrix products. */
    public static double mlpFlops(int seq, int dModel, int dFf) {
        return 2.0 * seq * (2.0 * dModel * dFf);
    }

    /** One LoRA adapter per unit rank: x·A (d_in → 1) and ·B (1 → d_out), i.e. 2·seq·(d_in + d_out). */
    public static double adapterFlopsPerRank(int seq, int dInPlusOut) {
        return 2.0 * seq * dInPlusOut;
    }

    /** LM head forward: seq × d times d × vocab. */
    public static double lmHeadFlops(int seq, int dModel, int vocab) {
        return 2.0 * seq * dModel * vocab;
    }

    /** One LayerNorm over seq × d elements. */
    public static double layerNormFlops(int seq, int dModel, double flopsPerElement) {
        return flopsPerElement * seq * dModel;
    }

    /** d_in + d_out of an adapted projection; q, k, v are the d × d slices of GPT-2's fused c_attn. */
    public static int projectionInPlusOut(String target, ModelShape m) {
        return switch (target) {
            case "q", "k", "v", "o" -> m.dModel() + m.dModel();
            case "fc", "proj" -> m.dModel() + m.dFf();
            default -> throw new IllegalArgumentException("unknown LoRA target '" + target + "'");
        };
    }

    /** Whether block j (1-based) carries LoRA: j - 1 in {@link LoraSettings#adaptedBlocks} (lora.blocks, last-blocks). */
    public static boolean carriesLora(int block, ModelShape m, LoraSettings lora) {
        return lora.adaptedBlocks(m).contains(block - 1);
    }

    /** Per-sample costs derived from the model shape (SYSTEM_MODEL §2). */
    public static LayerCosts derived(ModelShape m, LoraSettings lora, CostSettings cost) {
        int l = m.layers();
        int seq = m.seqLen();
        int d = m.dModel();
        double layerNorm = layerNormFlops(seq, d, cost.layerNormFlopsPerElement());
        double block = 2 * layerNorm + attentionFlops(seq, d) + mlpFlops(seq, d, m.dFf());
        double loraFlops = 0;
        double loraBits = 0;
        for (String t : lora.targets()) {
            loraFlops += adapterFlopsPerRank(seq, projectionInPlusOut(t, m));
            loraBits += (double) projectionInPlusOut(t, m) * cost.loraWeightBits();
        }
        double[] rho = new double[l];
        double[] rhoLora = new double[l];
        double[] psi = new double[l];
        double[] delta = new double[l];
        for (int j = 1; j <= l; j++) {
            rho[j - 1] = block;
            boolean adapted = carriesLora(j, m, lora);
            rhoLora[j - 1] = adapted ? loraFlops : 0;
            delta[j - 1] = adapted ? loraBits : 0;
            // The block's output is seq × d values; LoRA adds to the frozen output, so ψ does not depend on r.
            psi[j - 1] = (double) seq * d * cost.activationBits();
        }
        double head = layerNorm + lmHeadFlops(seq, d, m.vocab());
        return new LayerCosts("derived, per sample, " + m.name(), rho, rhoLora, head, psi, delta);
    }

    /**
     * The paper's Table III (GPT2-S): FLOPs PER MINI-BATCH, as SYSTEM_MODEL §2 reads them (they match ~32k tokens
     * for attention/MLP, not one 512-token sample). One LayerNorm row per block, as the table lists it; the
     * LoRA row applies to the blocks that carry LoRA. Bits are derived per sample, as in {@link #derived}.
     */
    public static LayerCosts paperTable(ModelShape m, LoraSettings lora, CostSettings cost) {
        CostSettings.PaperTable t = cost.paperTable();
        LayerCosts bits = derived(m, lora, cost);
        int l = m.layers();
        double[] rho = new double[l];
        double[] rhoLora = new double[l];
        for (int j = 1; j <= l; j++) {
            rho[j - 1] = (t.layerNormGflop() + t.attentionGflop() + t.feedForwardGflop()) * 1e9;
            rhoLora[j - 1] = carriesLora(j, m, lora) ? t.loraPerRankGflop() * 1e9 : 0;
        }
        double head = (t.finalLayerNormGflop() + t.lmHeadGflop()) * 1e9;
        return new LayerCosts("paper Table III, FLOPs per mini-batch, " + m.name(), rho, rhoLora, head,
                bits.activationBits, bits.loraBitsPerRank);
    }

    // ---- the table ----------------------------------------------------------------------------------------

    /** L. */
    public int layers() {
        return blockFlops.length;
    }

    /** ρ_j, block j = 1..L. */
    public double blockFlops(int block) {
        return blockFlops[index(block)];
    }

    /** ρ'_j. */
    public double loraFlopsPerRank(int block) {
        return loraFlopsPerRank[index(block)];
    }

    /** ψ_j. */
    public double activationBits(int block) {
        return activationBits[index(block)];
    }

    /** δ_j. */
    public double loraBitsPerRank(int block) {
        return loraBitsPerRank[index(block)];
    }

    /** Final LayerNorm + LM head forward FLOPs. */
    public double headFlops() {
        return headFlops;
    }

    /** Σ_{j≤ℓ} (ρ_j + r ρ'_j): the client segment's forward FLOPs. */
    public double clientFlops(int split, int rank) {
        checkSplit(split);
        return flops(1, split, rank);
    }

    /** Σ_{j>ℓ} (ρ_j + r ρ'_j) + head: the server segment's forward FLOPs for one client's data. */
    public double serverFlops(int split, int rank) {
        checkSplit(split);
        return flops(split + 1, layers(), rank) + headFlops;
    }

    /** Forward FLOPs of the whole model (blocks + head), e.g. for federated LoRA with no split. */
    public double totalFlops(int rank) {
        return flops(1, layers(), rank) + headFlops;
    }

    /** Ψ = ψ_ℓ. */
    public double splitActivationBits(int split) {
        checkSplit(split);
        return activationBits[split - 1];
    }

    /** Δ = r Σ_{j≤ℓ} δ_j: client-side LoRA bits. */
    public double clientLoraBits(int split, int rank) {
        checkSplit(split);
        return rank * sum(loraBitsPerRank, 1, split);
    }

    /** r Σ_{j>ℓ} δ_j: server-side LoRA bits (never leave the main server; for reports). */
    public double serverLoraBits(int split, int rank) {
        checkSplit(split);
        return rank * sum(loraBitsPerRank, split + 1, layers());
    }

    public String description() {
        return description;
    }

    private double flops(int from, int to, int rank) {
        checkRank(rank);
        return sum(blockFlops, from, to) + rank * sum(loraFlopsPerRank, from, to);
    }

    private static double sum(double[] a, int from, int to) {
        double s = 0;
        for (int j = from; j <= to; j++) {
            s += a[j - 1];
        }
        return s;
    }

    private int index(int block) {
        if (block < 1 || block > layers()) {
            throw new IllegalArgumentException("block " + block + " outside 1.." + layers());
        }
        return block - 1;
    }

    void checkSplit(int split) {
        if (split < 1 || split > layers() - 1) {
            throw new IllegalArgumentException("split " + split + " outside 1.." + (layers() - 1));
        }
    }

    static void checkRank(int rank) {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be >= 1, got " + rank);
        }
    }

    @Override
    public String toString() {
        return "LayerCosts[" + description + ", blockFlops=" + Arrays.toString(blockFlops) + ", head=" + headFlops + "]";
    }
}
