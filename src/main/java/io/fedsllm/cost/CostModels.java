package io.fedsllm.cost;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.CostSettings;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.SystemSettings;

/** Builds the analytic cost model the configuration describes ({@code cost}, {@code lora}, {@code system.batch-size}). */
public final class CostModels {
    private CostModels() {}

    /** The split costs per client mini-batch, in the configured {@code cost.mode}. */
    public static SplitCosts from(Config config) {
        ConfigReader root = ConfigReader.root(config);
        CostSettings cost = CostSettings.from(root);
        int batchSize = SystemSettings.from(root).batchSize();
        return new LayerSplitCosts(table(config), batchSize, cost.mode() == CostSettings.Mode.PAPER_TABLE);
    }

    /** The per-layer table in the configured mode (derived: per sample; paper-table: FLOPs per mini-batch). */
    public static LayerCosts table(Config config) {
        ConfigReader root = ConfigReader.root(config);
        CostSettings cost = CostSettings.from(root);
        LoraSettings lora = LoraSettings.from(root);
        return switch (cost.mode()) {
            case DERIVED -> LayerCosts.derived(cost.model(), lora, cost);
            case PAPER_TABLE -> LayerCosts.paperTable(cost.model(), lora, cost);
        };
    }

    /** Per-sample costs derived from the model shape, whatever the mode (for the emulator's analytic compute). */
    public static LayerCosts perSample(Config config) {
        ConfigReader root = ConfigReader.root(config);
        CostSettings cost = CostSettings.from(root);
        return LayerCosts.derived(cost.model(), LoraSettings.from(root), cost);
    }
}
