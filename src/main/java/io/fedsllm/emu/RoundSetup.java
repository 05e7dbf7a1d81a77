package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;

/**
 * What the coordinator tells the actors for one global round: the plan's split and rank, and per participating
 * client its compute delays and link rates. Internal to the coordinator (arrays are not copied).
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
 */
record RoundSetup(int round, Scheme scheme, int splitLayer, int rank, int localIterations, int[] participants,
        ClientShare[] shares, double serverForwardPerBatchS, long activationBits, long loraBits,
        double gradientDownloadS, double plannedRoundS, double plannedT1S, int layers) {

    /**
     * One client's share of the round.
     *
     * @param forwardS        T_k^F of one local iteration (before any scripted slow-down)
     * @param backwardS       T_k^B
     * @param link            its two uplink rates
     * @param subchannelsMain owned main-link subchannels
     * @param subchannelsFed  owned fed-link subchannels
     */
    record ClientShare(int client, double forwardS, double backwardS, Link link, int subchannelsMain,
            int subchannelsFed) {}
}
