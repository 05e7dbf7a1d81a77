package io.fedsllm.plan;

import io.fedsllm.net.LinkState;
import io.fedsllm.net.Rates;

/**
 * Water-filling over the subchannels one client owns (SYSTEM_MODEL §6 block 2): PSD p^i = (w − 1/a^i)^+ both
 * minimises the power Σ p^i B^i needed for a rate target and maximises the rate for a power budget (KKT of the
 * convex per-client problem; the subchannel width cancels in the stationarity condition). The water level w is
 * found in closed form over the subchannels sorted by a^i descending.
 */
public final class WaterFilling {
    private static final double LN2 = Math.log(2);

    private final int[] index;
    private final double[] bandwidthHz;
    private final double[] snrPerPsd;

    /**
     * @param index       subchannel indices (any order)
     * @param bandwidthHz width of every subchannel of the link, indexed by subchannel
     * @param snrPerPsd   a^i of this client for every subchannel of the link
     */
    public WaterFilling(int[] index, double[] bandwidthHz, double[] snrPerPsd) {
        this(gains(index, i -> snrPerPsd[i]), index, bandwidthHz);
    }

    /** Client {@code row} of {@code link} on the subchannels {@code index}: reads a^i of those subchannels only. */
    public WaterFilling(int[] index, LinkState link, int row) {
        this(gains(index, i -> link.snrPerPsd(row, i)), index, link.subchannelHz());
    }

    /** @param owned a^i aligned with {@code index} */
    private WaterFilling(double[] owned, int[] index, double[] bandwidthHz) {
        if (index.length == 0) {
            throw new IllegalArgumentException("water-filling needs at least one subchannel");
        }
        Integer[] order = new Integer[index.length];
        for (int i = 0; i < index.length; i++) {
            order[i] = i;
        }
        // Descending a^i, ties by subchannel index, so the result never depends on the input order.
        java.util.Arrays.sort(order, (x, y) -> {
            int c = Double.compare(owned[y], owned[x]);
            return c != 0 ? c : Integer.compare(index[x], index[y]);
        });
        this.index = new int[index.length];
        this.bandwidthHz = new double[index.length];
        this.snrPerPsd = new double[index.length];
        for (int i = 0; i < index.length; i++) {
            int s = index[order[i]];
            double a = owned[order[i]];
            if (!(a > 0) || !(bandwidthHz[s] > 0)) {
                throw new IllegalArgumentException("subchannel " + s + " has a = " + a + ", B = " + bandwidthHz[s]);
            }
            this.index[i] = s;
            this.bandwidthHz[i] = bandwidthHz[s];
            this.snrPerPsd[i] = a;
        }
    }

    private static double[] gains(int[] index, java.util.function.IntToDoubleFunction snrPerPsd) {
        double[] a = new double[index.length];
        for (int i = 0; i < index.length; i++) {
            a[i] = snrPerPsd.applyAsDouble(index[i]);
        }
        return a;
    }

    /** Subchannel indices, sorted by a^i descending. */
    public int[] index() {
        return index.clone();
    }

    public int size() {
        return index.length;
    }

    /** The water level w at which the rate equals {@code rateBps} (bit/s); 0 for a zero target. */
    public double levelForRate(double rateBps) {
        if (rateBps <= 0) {
            return 0;
        }
        double target = rateBps * LN2; // nats/s: Σ B^i ln(w a^i) over the active set
        double sumB = 0;
        double sumBLnA = 0;
        for (int m = 0; m < index.length; m++) {
            sumB += bandwidthHz[m];
            sumBLnA += bandwidthHz[m] * Math.log(snrPerPsd[m]);
            double lnW = (target - sumBLnA) / sumB;
            if (m + 1 == index.length || lnW <= -Math.log(snrPerPsd[m + 1])) {
                return Math.exp(lnW);
            }
        }
        throw new AssertionError("unreachable");
    }

    /** The water level w at which the power Σ B^i (w − 1/a^i)^+ equals {@code powerW}; 0 for no power. */
    public double levelForPower(double powerW) {
        if (powerW <= 0) {
            return 0;
        }
        double sumB = 0;
        double sumBOverA = 0;
        for (int m = 0; m < index.length; m++) {
            sumB += bandwidthHz[m];
            sumBOverA += bandwidthHz[m] / snrPerPsd[m];
            double w = (powerW + sumBOverA) / sumB;
            if (m + 1 == index.length || w <= 1 / snrPerPsd[m + 1]) {
                return w;
            }
        }
        throw new AssertionError("unreachable");
    }

    /** PSD of the i-th subchannel in {@link #index()} order at water level w, W/Hz. */
    public double psd(int i, double level) {
        return Math.max(0, level - 1 / snrPerPsd[i]);
    }

    /** Σ p^i B^i at water level w, W. */
    public double power(double level) {
        double p = 0;
        for (int i = 0; i < index.length; i++) {
            p += psd(i, level) * bandwidthHz[i];
        }
        return p;
    }

    /** Σ B^i log2(1 + p^i a^i) at water level w, bit/s. */
    public double rate(double level) {
        double r = 0;
        for (int i = 0; i < index.length; i++) {
            r += Rates.subchannelRate(bandwidthHz[i], psd(i, level), snrPerPsd[i]);
        }
        return r;
    }

    /** The largest rate reachable with {@code powerW}, bit/s. */
    public double maxRate(double powerW) {
        return rate(levelForPower(powerW));
    }

    /** The minimum power reaching {@code rateBps}, W. */
    public double minPower(double rateBps) {
        return power(levelForRate(rateBps));
    }
}
