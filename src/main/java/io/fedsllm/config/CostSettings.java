package io.fedsllm.config;

/**
 * The analytic cost model ({@code fedsllm.cost}, SYSTEM_MODEL §2).
 *
 * @param mode                     derived from the model shape, or the paper's Table III figures
 * @param model                    the model the cost model describes ({@code cost.model}, a {@code fedsllm.models} preset)
 * @param activationBits           bits per uploaded activation value
 * @param loraWeightBits           bits per uploaded LoRA weight
 * @param layerNormFlopsPerElement FLOPs per element of one LayerNorm (derived mode)
 * @param paperTable               Table III figures (paper-table mode)
 */
public record CostSettings(Mode mode, ModelShape model, int activationBits, int loraWeightBits,
        double layerNormFlopsPerElement, PaperTable paperTable) {

    /** Where per-layer FLOPs come from. */
    public enum Mode {
        /** From d_model, d_ff, seq, vocab with the formulas of SYSTEM_MODEL §2 (per sample, times b). */
        DERIVED,
        /** GPT2-S figures of the paper's Table III, taken as FLOPs per mini-batch (not times b). */
        PAPER_TABLE
    }

    /** The model whose figures Table III gives; paper-table mode is only meaningful for it. */
    public static final String PAPER_TABLE_MODEL = "gpt2-small";

    /**
     * Table III of the paper (GPT2-S), in GFLOP per mini-batch.
     *
     * @param layerNormGflop      LayerNorm, per block
     * @param attentionGflop      multi-head attention, per block
     * @param loraPerRankGflop    LoRA adapters of a block, per unit rank
     * @param feedForwardGflop    feed-forward, per block
     * @param finalLayerNormGflop final LayerNorm, once
     * @param lmHeadGflop         LM head, once
     */
    public record PaperTable(double layerNormGflop, double attentionGflop, double loraPerRankGflop,
            double feedForwardGflop, double finalLayerNormGflop, double lmHeadGflop) {

        static PaperTable from(ConfigReader r) {
            return new PaperTable(gflop(r, "layer-norm-gflop"), gflop(r, "attention-gflop"),
                    gflop(r, "lora-per-rank-gflop"), gflop(r, "feed-forward-gflop"),
                    gflop(r, "final-layer-norm-gflop"), gflop(r, "lm-head-gflop"));
        }

        /** GFLOP per mini-batch of one table row, [0, 10^9]. */
        private static double gflop(ConfigReader r, String name) {
            return r.physical(name, "GFLOP per mini-batch", 0, 1e9);
        }
    }

    public static CostSettings from(ConfigReader root) {
        ConfigReader r = root.section("cost");
        Mode mode = r.enumValue("mode", Mode.class);
        String modelName = r.getString("model");
        ModelShape model = ModelShape.presetAt(r, "model");
        if (mode == Mode.PAPER_TABLE && !modelName.equals(PAPER_TABLE_MODEL)) {
            throw r.invalid("model", "paper-table mode holds the figures of " + PAPER_TABLE_MODEL
                    + " only; expected cost.model = " + PAPER_TABLE_MODEL + " or cost.mode = derived");
        }
        return new CostSettings(mode, model, r.intInRange("activation-bits", 1, 64), r.intInRange("lora-weight-bits", 1, 64),
                r.physical("layer-norm-flops-per-element", "FLOPs per element", 0, 1e6), PaperTable.from(r.section("paper-table")));
    }
}
