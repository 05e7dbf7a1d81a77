package io.fedsllm.net;

import io.fedsllm.config.Seeds;

/**
 * One link (main: clients → main server, or fed: clients → federated server) in one round, as the planner and the
 * emulator see it: per client k and subchannel i the SNR per unit transmit PSD a_k^i = G_k G_server h_k g_k^i / N_0
 * (1/(W/Hz), SYSTEM_MODEL §4), the subchannel widths and the power limits. Arrays handed out are owned by the
 * link: do not mutate them.
 *
 * <p>It stores what the channel model needs, not a K × M matrix: with flat fading (g = 1, the default) one value
 * per client, since every subchannel of a client has the same gain; with Rayleigh fading one large-scale value and
 * one stream seed per client, g_k^i being read from the stream at index i when it is asked for
 * ({@link Seeds#uniformAt}, no draws in between), so a planner that only looks at the subchannels a client owns
 * costs O(owned). {@link #of} takes an explicit matrix (hand-made instances in tests). Memory is O(K + M) for the
 * first two kinds ({@link #storedValues()}).
 */
public final class LinkState {
    private final double[] subchannelHz;
    private final double[] pmaxW;
    private final double pthW;
    private final Gains gains;

    private LinkState(double[] subchannelHz, Gains gains, double[] pmaxW, double pthW) {
        if (gains.rows() != pmaxW.length) {
            throw new IllegalArgumentException("snrPerPsd has " + gains.rows() + " clients, pmaxW " + pmaxW.length);
        }
        this.subchannelHz = subchannelHz;
        this.gains = gains;
        this.pmaxW = pmaxW;
        this.pthW = pthW;
    }

    /**
     * Flat fading: client k has a_k on every subchannel.
     *
     * @param subchannelHz width of each subchannel i, Hz (M entries on the main link, N on the fed link)
     * @param snrPerPsd    a_k per client, 1/(W/Hz)
     * @param pmaxW        per-client transmit power limit on this link, W (C4)
     * @param pthW         network-wide power limit on this link, W (C5)
     */
    public static LinkState flat(double[] subchannelHz, double[] snrPerPsd, double[] pmaxW, double pthW) {
        return new LinkState(subchannelHz, new Flat(snrPerPsd), pmaxW, pthW);
    }

    /**
     * Rayleigh fading: a_k^i = largeScale_k · g_k^i with g_k^i = −ln(1 − u_i) ~ Exp(1), u_i the i-th
     * {@code nextDouble()} of {@code new SplittableRandom(fadingStream[k])} (one draw per subchannel in subchannel
     * order, as {@link Deployment} defines it).
     *
     * @param largeScaleSnrPerPsd G_k G_server h_k / N_0 per client, 1/(W/Hz)
     * @param fadingStream        the seed of client k's fading stream in this round
     */
    public static LinkState rayleigh(double[] subchannelHz, double[] largeScaleSnrPerPsd, long[] fadingStream,
            double[] pmaxW, double pthW) {
        if (largeScaleSnrPerPsd.length != fadingStream.length) {
            throw new IllegalArgumentException(largeScaleSnrPerPsd.length + " gains but " + fadingStream.length + " streams");
        }
        return new LinkState(subchannelHz, new Rayleigh(largeScaleSnrPerPsd, fadingStream), pmaxW, pthW);
    }

    /** An explicit [client][subchannel] matrix of a_k^i (hand-made instances); O(K × M), as given. */
    public static LinkState of(double[] subchannelHz, double[][] snrPerPsd, double[] pmaxW, double pthW) {
        for (double[] row : snrPerPsd) {
            if (row.length != subchannelHz.length) {
                throw new IllegalArgumentException("snrPerPsd row has " + row.length + " subchannels, expected "
                        + subchannelHz.length);
            }
        }
        return new LinkState(subchannelHz, new Matrix(snrPerPsd), pmaxW, pthW);
    }

    public int clients() {
        return pmaxW.length;
    }

    public int subchannels() {
        return subchannelHz.length;
    }

    /** Width of each subchannel i, Hz (do not mutate). */
    public double[] subchannelHz() {
        return subchannelHz;
    }

    /** Per-client transmit power limit on this link, W (C4; do not mutate). */
    public double[] pmaxW() {
        return pmaxW;
    }

    /** Network-wide power limit on this link, W (C5). */
    public double pthW() {
        return pthW;
    }

    /** a_k^i: the SNR client k reaches on subchannel i per unit transmit PSD, 1/(W/Hz). */
    public double snrPerPsd(int client, int subchannel) {
        return gains.at(client, subchannel);
    }

    /** True when client k has the same a_k^i on every subchannel (flat fading), so no subchannel is better. */
    public boolean flat(int client) {
        return gains.flat(client, subchannelHz.length);
    }

    /** a_k^i of client k for every subchannel, a fresh array of M values (O(M): for callers that rank them all). */
    public double[] snrRow(int client) {
        double[] row = new double[subchannelHz.length];
        for (int i = 0; i < row.length; i++) {
            row[i] = gains.at(client, i);
        }
        return row;
    }

    /** The link as seen by the given clients only (row indices into this link), in that order; p_th unchanged. */
    public LinkState rows(int... rows) {
        double[] pmax = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            pmax[i] = pmaxW[rows[i]];
        }
        return new LinkState(subchannelHz, gains.rows(rows), pmax, pthW);
    }

    /**
     * The link with client k's gains lowered by {@code lossDb[k]} dB on every subchannel (a fade: a_k^i ×
     * 10^(−L_k/10)); a row with 0 dB keeps its exact values. Same storage kind, same p_max and p_th.
     */
    public LinkState attenuated(double[] lossDb) {
        if (lossDb.length != clients()) {
            throw new IllegalArgumentException(lossDb.length + " losses for " + clients() + " clients");
        }
        double[] factor = new double[lossDb.length];
        for (int k = 0; k < factor.length; k++) {
            if (!(lossDb[k] >= 0) || Double.isInfinite(lossDb[k])) {
                throw new IllegalArgumentException("extra loss of client " + k + " = " + lossDb[k] + " dB: expected a finite value >= 0");
            }
            factor[k] = Units.dbToLinear(-lossDb[k]);
        }
        return new LinkState(subchannelHz, gains.scaled(factor), pmaxW, pthW);
    }

    /**
     * Numbers (doubles and longs) this link holds: M widths, K power limits and what the gains need (K flat, 2K
     * Rayleigh, K × M for an explicit matrix). Measures the memory claim of the class comment.
     */
    public long storedValues() {
        return subchannelHz.length + (long) pmaxW.length + gains.storedValues();
    }

    /** How a_k^i is held. */
    private sealed interface Gains permits Flat, Rayleigh, Matrix {
        int rows();

        double at(int row, int subchannel);

        boolean flat(int row, int subchannels);

        Gains rows(int[] rows);

        /** Row k × factor[k]; a factor of exactly 1 leaves the row's values untouched. */
        Gains scaled(double[] factor);

        long storedValues();
    }

    private static double[] times(double[] values, double[] factor) {
        double[] out = values.clone();
        for (int k = 0; k < out.length; k++) {
            if (factor[k] != 1) {
                out[k] *= factor[k];
            }
        }
        return out;
    }

    private record Flat(double[] a) implements Gains {
        public int rows() {
            return a.length;
        }

        public double at(int row, int subchannel) {
            return a[row];
        }

        public boolean flat(int row, int subchannels) {
            return true;
        }

        public Gains rows(int[] rows) {
            double[] sub = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                sub[i] = a[rows[i]];
            }
            return new Flat(sub);
        }

        public Gains scaled(double[] factor) {
            return new Flat(times(a, factor));
        }

        public long storedValues() {
            return a.length;
        }
    }

    private record Rayleigh(double[] largeScale, long[] stream) implements Gains {
        public int rows() {
            return largeScale.length;
        }

        public double at(int row, int subchannel) {
            // Exp(1) by inversion: −ln(1 − u), u in [0, 1).
            double g = -Math.log1p(-Seeds.uniformAt(stream[row], subchannel));
            return largeScale[row] * g;
        }

        public boolean flat(int row, int subchannels) {
            return subchannels == 1;
        }

        public Gains rows(int[] rows) {
            double[] a = new double[rows.length];
            long[] s = new long[rows.length];
            for (int i = 0; i < rows.length; i++) {
                a[i] = largeScale[rows[i]];
                s[i] = stream[rows[i]];
            }
            return new Rayleigh(a, s);
        }

        public Gains scaled(double[] factor) {
            return new Rayleigh(times(largeScale, factor), stream);
        }

        public long storedValues() {
            return 2L * largeScale.length;
        }
    }

    private record Matrix(double[][] a) implements Gains {
        public int rows() {
            return a.length;
        }

        public double at(int row, int subchannel) {
            return a[row][subchannel];
        }

        public boolean flat(int row, int subchannels) {
            double[] r = a[row];
            for (int i = 1; i < r.length; i++) {
                if (r[i] != r[0]) {
                    return false;
                }
            }
            return true;
        }

        public Gains rows(int[] rows) {
            double[][] sub = new double[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                sub[i] = a[rows[i]];
            }
            return new Matrix(sub);
        }

        public Gains scaled(double[] factor) {
            double[][] out = new double[a.length][];
            for (int k = 0; k < a.length; k++) {
                out[k] = a[k];
                if (factor[k] != 1) {
                    out[k] = a[k].clone();
                    for (int i = 0; i < out[k].length; i++) {
                        out[k][i] *= factor[k];
                    }
                }
            }
            return new Matrix(out);
        }

        public long storedValues() {
            long n = 0;
            for (double[] r : a) {
                n += r.length;
            }
            return n;
        }
    }
}
