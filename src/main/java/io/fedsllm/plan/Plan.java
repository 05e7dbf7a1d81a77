package io.fedsllm.plan;

import io.fedsllm.cost.DelayModel;
import java.util.List;

/**
 * A resource plan for one round and its predicted delays (SYSTEM_MODEL §5–§6).
 *
 * @param scheme             "proposed" or a baseline name ("a".."d")
 * @param splitLayer         ℓ, blocks on the client
 * @param rank               LoRA rank r
 * @param clients            per-client allocation and delays, client order
 * @param breakdown          T1, T2, T3, server forward/backward, iteration, round and total delay
 * @param bcdIterations      BCD iterations run (0 for schemes without BCD)
 * @param objectiveHistory   T_total after initialisation and after every BCD iteration (empty without BCD)
 * @param trace              the allocation held after initialisation and after every BCD iteration, aligned with
 *                           {@code objectiveHistory} (empty without BCD), so each entry can be re-evaluated
 */
public record Plan(String scheme, int splitLayer, int rank, List<ClientPlan> clients, DelayModel.Breakdown breakdown,
        int bcdIterations, List<Double> objectiveHistory, List<Iterate> trace) {

    public Plan {
        clients = List.copyOf(clients);
        objectiveHistory = List.copyOf(objectiveHistory);
        trace = List.copyOf(trace);
        if (trace.size() != objectiveHistory.size()) {
            throw new IllegalArgumentException(trace.size() + " trace entries for " + objectiveHistory.size() + " objectives");
        }
    }

    /**
     * One BCD iterate: split, rank and, per client, owned subchannels (ascending) and the PSD on each (aligned,
     * W/Hz), on both links. Arrays are owned by the record (do not mutate).
     */
    public record Iterate(int splitLayer, int rank, int[][] subchannelsMain, double[][] psdMain, int[][] subchannelsFed,
            double[][] psdFed) {}

    /**
     * One client's share. Arrays are owned by the record (do not mutate); subchannel indices ascending, PSDs aligned.
     *
     * @param subchannelsMain   owned main-link subchannel indices
     * @param psdMain           PSD on each, W/Hz
     * @param subchannelsFed    owned fed-link subchannel indices
     * @param psdFed            PSD on each, W/Hz
     * @param powerMainW        Σ p^i B^i on the main link, W
     * @param powerFedW         Σ p^i B^i on the fed link, W
     * @param rateMainBps       R_k^main, bit/s
     * @param rateFedBps        R_k^fed, bit/s
     * @param delays            T^F, T^A, T^G, T^B, T^M of this client
     */
    public record ClientPlan(int[] subchannelsMain, double[] psdMain, int[] subchannelsFed, double[] psdFed,
            double powerMainW, double powerFedW, double rateMainBps, double rateFedBps, DelayModel.ClientDelays delays) {}

    public double roundDelaySeconds() {
        return breakdown.roundS();
    }

    public double totalDelaySeconds() {
        return breakdown.totalS();
    }
}
