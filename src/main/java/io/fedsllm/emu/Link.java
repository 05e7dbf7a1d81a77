package io.fedsllm.emu;

import io.fedsllm.cost.DelayModel;

/**
 * One client's two uplinks in one round: turns a send at virtual time t of B bits into an arrival at
 * t + B / R (SYSTEM_MODEL §4), with R the round plan's rate ({@link io.fedsllm.plan.RoundPlan.ClientShare}).
 *
 * @param rateMainBps R_k^main, bit/s (0 when the scheme does not use the main link)
 * @param rateFedBps  R_k^fed, bit/s
 */
record Link(double rateMainBps, double rateFedBps) {

    /** Arrival of activations sent at {@code sendS}. */
    double activationArrivalS(double sendS, long bits) {
        return sendS + DelayModel.transferS(bits, rateMainBps);
    }

    /** Arrival of a LoRA upload sent at {@code sendS}. */
    double loraArrivalS(double sendS, long bits) {
        return sendS + DelayModel.transferS(bits, rateFedBps);
    }

}
