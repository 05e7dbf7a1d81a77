package io.fedsllm.plan;

import io.fedsllm.net.LinkState;
import io.fedsllm.net.Rates;
import io.fedsllm.net.Units;
import java.util.Arrays;

/**
 * What a client holds of one link in a round's plan: per owned subchannel its width, the planned PSD and the
 * client's a^i there — enough to recompute its rate when the channel changes during the round (a scenario's fade
 * that starts mid-round) without planning again. O(owned subchannels). Arrays are owned by the record.
 *
 * @param subchannelHz B^i of each owned subchannel, Hz
 * @param psd          planned PSD on each, W/Hz
 * @param snrPerPsd    a^i on each, 1/(W/Hz), as planned (including any fade the planner saw)
 */
public record LinkAllocation(double[] subchannelHz, double[] psd, double[] snrPerPsd) {
    /** No subchannels (a link the scheme does not use). */
    public static final LinkAllocation NONE = new LinkAllocation(new double[0], new double[0], new double[0]);

    public LinkAllocation {
        if (psd.length != subchannelHz.length || snrPerPsd.length != subchannelHz.length) {
            throw new IllegalArgumentException(subchannelHz.length + " widths, " + psd.length + " PSDs, "
                    + snrPerPsd.length + " gains");
        }
    }

    /** Row {@code row} of {@code link} on {@code owned} with {@code psd} aligned to it. */
    static LinkAllocation of(LinkState link, int row, int[] owned, double[] psd) {
        double[] hz = new double[owned.length];
        double[] a = new double[owned.length];
        for (int i = 0; i < owned.length; i++) {
            hz[i] = link.subchannelHz()[owned[i]];
            a[i] = link.snrPerPsd(row, owned[i]);
        }
        return new LinkAllocation(hz, psd.clone(), a);
    }

    /** The planned rate Σ B^i log2(1 + p^i a^i), bit/s. */
    public double rateBps() {
        return rateBps(0);
    }

    /**
     * The rate with the same PSDs when the gains are {@code extraLossDb} dB lower than planned, bit/s; at 0 dB it is
     * {@link #rateBps()} bit for bit (the PSDs stay as planned: the client does not re-plan mid-round). A negative
     * loss is a gain: a fade the plan allowed for has ended.
     */
    public double rateBps(double extraLossDb) {
        if (!Double.isFinite(extraLossDb)) {
            throw new IllegalArgumentException("extra loss " + extraLossDb + " dB: expected a finite number");
        }
        double factor = Units.dbToLinear(-extraLossDb);
        double r = 0;
        for (int i = 0; i < psd.length; i++) {
            r += Rates.subchannelRate(subchannelHz[i], psd[i], extraLossDb == 0 ? snrPerPsd[i] : snrPerPsd[i] * factor);
        }
        return r;
    }

    public int subchannels() {
        return psd.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinkAllocation l && Arrays.equals(subchannelHz, l.subchannelHz) && Arrays.equals(psd, l.psd)
                && Arrays.equals(snrPerPsd, l.snrPerPsd);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(subchannelHz) + Arrays.hashCode(psd)) + Arrays.hashCode(snrPerPsd);
    }

    @Override
    public String toString() {
        return "LinkAllocation[" + psd.length + " subchannels, " + rateBps() + " bit/s]";
    }
}
