package io.fedsllm.plan;

import io.fedsllm.config.EnergySettings;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.cost.SplitCosts;
import java.util.ArrayList;
import java.util.List;

/**
 * The energy-constrained rank selection of SYSTEM_MODEL §7 (RoBERTa split-LoRA paper): per device, compute
 * cycles per round C_k(r) = base_k + r · perRank_k, upload S(r) = r · uploadBitsPerRank at rate R_k with power p_k.
 *
 * @param devices           one entry per device
 * @param uploadBitsPerRank S(r) / r, bits
 * @param maxRank           ranks searched are 1..maxRank
 * @param kappa             κ_e, J/(cycle·Hz²)
 * @param delayMaxS         T_max, s
 * @param energyMaxJ        E_max, J
 */
public record EnergyRankProblem(List<Device> devices, double uploadBitsPerRank, int maxRank, double kappa,
        double delayMaxS, double energyMaxJ) {

    /**
     * @param cyclesBase      C_k(0), cycles per round
     * @param cyclesPerRank   dC_k/dr, cycles per round per unit rank
     * @param uploadRateBps   R_k, bit/s
     * @param transmitPowerW  p_k while uploading, W
     * @param maxFrequencyHz  f_k^max, cycles/s
     */
    public record Device(double cyclesBase, double cyclesPerRank, double uploadRateBps, double transmitPowerW,
            double maxFrequencyHz) {}

    public EnergyRankProblem {
        devices = List.copyOf(devices);
    }

    /**
     * Builds the problem from the cost model: the device holds the first ℓ = split-layer blocks, runs forward
     * through all of them and backward (2× forward) only through its last n_t blocks, which alone carry LoRA;
     * I local iterations per round. Costs are linear in r (SYSTEM_MODEL §2), read off at r = 1 and r = 2.
     *
     * @param uploadRateBps  R_k per device
     * @param transmitPowerW p_k per device
     */
    public static EnergyRankProblem from(SplitCosts costs, EnergySettings s, int localIterations,
            List<ComputeProfile> compute, double[] uploadRateBps, double[] transmitPowerW) {
        int split = s.splitLayer();
        if (split >= costs.layers()) {
            throw new IllegalArgumentException("energy split-layer " + split + " must be < L = " + costs.layers());
        }
        int frozen = split - s.trainedBlocks(); // blocks before the trained ones: forward only, no LoRA
        double base1 = forwardBase(costs, split);
        double slope = costs.clientForwardFlops(split, 2) - costs.clientForwardFlops(split, 1);
        double frozenBase = frozen == 0 ? 0 : forwardBase(costs, frozen);
        double frozenSlope = frozen == 0 ? 0 : costs.clientForwardFlops(frozen, 2) - costs.clientForwardFlops(frozen, 1);
        // FLOPs per iteration: frozen blocks forward (base only) + trained blocks forward and backward (×3).
        double flopsBase = frozenBase + 3 * (base1 - frozenBase);
        double flopsPerRank = 3 * (slope - frozenSlope);
        double bitsPerRank = costs.clientLoraBits(split, 1) - (frozen == 0 ? 0 : costs.clientLoraBits(frozen, 1));
        List<Device> devices = new ArrayList<>();
        for (int k = 0; k < compute.size(); k++) {
            double perCycle = compute.get(k).flopsPerCycle();
            devices.add(new Device(localIterations * flopsBase / perCycle, localIterations * flopsPerRank / perCycle,
                    uploadRateBps[k], transmitPowerW[k], compute.get(k).cyclesPerSecond()));
        }
        return new EnergyRankProblem(devices, bitsPerRank, s.maxRank(), s.kappa(), s.delayMaxS(), s.energyMaxJ());
    }

    /** Rank-independent forward FLOPs of the first {@code split} blocks (linear extrapolation to r = 0). */
    private static double forwardBase(SplitCosts costs, int split) {
        return 2 * costs.clientForwardFlops(split, 1) - costs.clientForwardFlops(split, 2);
    }

    public EnergyRankProblem withDelayMax(double t) {
        return new EnergyRankProblem(devices, uploadBitsPerRank, maxRank, kappa, t, energyMaxJ);
    }

    public EnergyRankProblem withEnergyMax(double e) {
        return new EnergyRankProblem(devices, uploadBitsPerRank, maxRank, kappa, delayMaxS, e);
    }
}
