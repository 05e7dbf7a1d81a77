package io.fedsllm.emu;

import io.fedsllm.cost.DelayModel;
import io.fedsllm.net.LinkState;
import io.fedsllm.net.Rates;

/**
 * One client's two uplinks in one round: turns a send at virtual time t of B bits into an arrival at
 * t + B / R (SYSTEM_MODEL §4), with R computed by {@link Rates} from the round's channel and the plan's PSDs.
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

    /** Σ_i B^i log2(1 + p^i a_k^i) over the subchannels a client owns; psd aligned with {@code owned}. */
    static double rate(LinkState link, int row, int[] owned, double[] psd) {
        double r = 0;
        for (int i = 0; i < owned.length; i++) {
            r += Rates.subchannelRate(link.subchannelHz()[owned[i]], psd[i], link.snrPerPsd()[row][owned[i]]);
        }
        return r;
    }
}
