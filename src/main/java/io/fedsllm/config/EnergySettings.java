package io.fedsllm.config;

/**
 * The energy-constrained rank selection ({@code fedsllm.planner.energy}, SYSTEM_MODEL §7).
 *
 * @param trainedBlocks n_t, LoRA and training only on the device's last n_t blocks
 * @param splitLayer    blocks held by the device (≥ trainedBlocks)
 * @param maxRank       ranks searched are 1..maxRank
 * @param kappa         κ_e, effective switched capacitance, J/(cycle·Hz²)
 * @param delayMaxS     T_max, per-round delay limit, s
 * @param energyMaxJ    E_max, per-round energy limit, J
 */
public record EnergySettings(int trainedBlocks, int splitLayer, int maxRank, double kappa, double delayMaxS,
        double energyMaxJ) {

    public static EnergySettings from(ConfigReader root) {
        ConfigReader r = root.section("planner").section("energy");
        int trained = r.positiveInt("trained-blocks");
        int split = r.positiveInt("split-layer");
        if (split < trained) {
            throw r.invalid("split-layer", "expected >= " + r.key("trained-blocks") + " = " + trained
                    + " (the trained blocks are the device's last blocks)");
        }
        return new EnergySettings(trained, split, r.intInRange("max-rank", 1, 4096),
                r.physical("kappa", "a switched capacitance in J/(cycle*Hz^2)", 1e-40, 1e-20),
                r.physical("delay-max-s", "a delay in s", 1e-6, 1e9), r.physical("energy-max-j", "an energy in J", 1e-9, 1e9));
    }
}
