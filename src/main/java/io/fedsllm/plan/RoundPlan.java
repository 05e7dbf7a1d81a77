package io.fedsllm.plan;

import io.fedsllm.config.EmuSettings.Scheme;
import java.util.List;

/**
 * What one global round of the emulator runs with: the plan's split and rank, and per participating client its
 * compute delays and link rates (SYSTEM_MODEL §3–§5). Produced by a {@link RoundPlanner}; the emulator's actors
 * turn it into messages. Arrays are owned by the record (do not mutate).
 *
 * @param participants           client ids taking part, ascending
 * @param shares                 one per participant, same order
 * @param serverForwardPerBatchS server forward seconds for ONE client's mini-batch (T_s^F / K, SYSTEM_MODEL §3)
 * @param activationBits         bΨ, activation bits per client per iteration
 * @param loraBits               Δ, client-LoRA bits per upload
 * @param gradientDownloadS      T^G, activation-gradient downlink (0 by default)
 * @param plannedRoundS          the delay model's T_round for this plan (SYSTEM_MODEL §5)
 * @param plannedT1S             the delay model's T1 for this plan (the deadline policy's unit)
 * @param layers                 L, transformer blocks
 * @param dataUpload             centralized round 0: every client's raw shard uploaded to the server before training
 *                               starts (not part of plannedRoundS); {@link DataUpload#NONE} in every other round
 */
public record RoundPlan(int round, Scheme scheme, int splitLayer, int rank, int localIterations, int[] participants,
        List<ClientShare> shares, double serverForwardPerBatchS, long activationBits, long loraBits,
        double gradientDownloadS, double plannedRoundS, double plannedT1S, int layers, DataUpload dataUpload) {

    public RoundPlan {
        shares = List.copyOf(shares);
    }

    /**
     * One client's share of the round.
     *
     * @param forwardS        T_k^F of one local iteration (before any scripted slow-down)
     * @param backwardS       T_k^B
     * @param rateMainBps     R_k^main, bit/s (0 when the scheme does not use the main link)
     * @param rateFedBps      R_k^fed, bit/s
     * @param subchannelsMain owned main-link subchannels
     * @param subchannelsFed  owned fed-link subchannels
     * @param main            the main-link allocation (rateMainBps = main.rateBps(); main.rateBps(L) under a
     *                        fade of L dB that starts during the round)
     * @param fed             the fed-link allocation, likewise
     */
    public record ClientShare(int client, double forwardS, double backwardS, double rateMainBps, double rateFedBps,
            int subchannelsMain, int subchannelsFed, LinkAllocation main, LinkAllocation fed) {}
}
