package io.fedsllm.plan;

/**
 * Exact power control on one link for a fixed subchannel assignment (SYSTEM_MODEL §6 block 2). The link delay
 * T = max_k (c_k + D / R_k) (c_k = T_k^F on the main link and 0 on the fed link, D = bΨ or Δ) is minimised:
 * for a candidate T each client needs rate D / (T − c_k), reached with minimum power by water-filling; T is
 * feasible iff every client's power ≤ p_max,k and their sum ≤ p_th. Feasibility is monotone in T, so the
 * smallest feasible T is the per-client bound max_k (c_k + D / R_k(p_max,k)) when the sum constraint holds
 * there, and is found by bisection otherwise.
 */
public final class PowerControl {

    /** The optimal link delay and, per client, the water level, power (W) and rate (bit/s) that achieve it. */
    public record LinkSolution(double delayS, double[] waterLevel, double[] powerW, double[] rateBps) {}

    /** Round-off allowance on C5: K clients each exactly at p_max must satisfy p_th = K·p_max. */
    private static final double SUM_SLACK = 1 + 1e-12;

    private PowerControl() {}

    /**
     * @param channels  water-filling over each client's owned subchannels
     * @param computeS  c_k, seconds before the client may transmit
     * @param bits      D, bits each client uploads
     * @param pmaxW     per-client power limit (C4)
     * @param pthW      sum power limit (C5)
     * @param relativeTolerance bisection stops at this relative width
     */
    public static LinkSolution solve(WaterFilling[] channels, double[] computeS, double bits, double[] pmaxW,
            double pthW, double relativeTolerance) {
        double[] each = new double[channels.length];
        java.util.Arrays.fill(each, bits);
        return solve(channels, computeS, each, pmaxW, pthW, relativeTolerance);
    }

    /**
     * As {@link #solve(WaterFilling[], double[], double, double[], double, double)} with a payload of its own per
     * client, D_k = {@code bits[k]} (T = max_k (c_k + D_k / R_k)); a client with D_k = 0 sends nothing and needs no
     * power. Used for the centralized scheme's shard upload ({@link DataUpload}).
     */
    public static LinkSolution solve(WaterFilling[] channels, double[] computeS, double[] bits, double[] pmaxW,
            double pthW, double relativeTolerance) {
        int k = channels.length;
        double[] level = new double[k];
        double[] power = new double[k];
        double[] rate = new double[k];
        double lo = 0;
        boolean sends = false;
        for (int c = 0; c < k; c++) {
            if (bits[c] > 0) {
                sends = true;
                lo = Math.max(lo, computeS[c] + bits[c] / channels[c].maxRate(pmaxW[c]));
            } else {
                lo = Math.max(lo, computeS[c]);
            }
        }
        if (!sends) {
            return new LinkSolution(lo, level, power, rate);
        }
        double t = lo;
        if (sumPower(channels, computeS, bits, pmaxW, t) > pthW * SUM_SLACK) {
            double hi = lo;
            int doublings = 0;
            do {
                lo = hi;
                hi *= 2;
                if (++doublings > 2000) {
                    throw new IllegalStateException("no link delay satisfies the sum power limit " + pthW + " W");
                }
            } while (sumPower(channels, computeS, bits, pmaxW, hi) > pthW * SUM_SLACK);
            while (hi - lo > relativeTolerance * hi) {
                double mid = 0.5 * (lo + hi);
                if (sumPower(channels, computeS, bits, pmaxW, mid) > pthW) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            t = hi;
        }
        for (int c = 0; c < k; c++) {
            if (bits[c] > 0) {
                level[c] = levelAt(channels[c], computeS[c], bits[c], pmaxW[c], t);
                power[c] = channels[c].power(level[c]);
                rate[c] = channels[c].rate(level[c]);
            }
        }
        return new LinkSolution(t, level, power, rate);
    }

    /** Water level a client needs to finish by T; at the per-client bound it is exactly the p_max level. */
    private static double levelAt(WaterFilling ch, double computeS, double bits, double pmaxW, double t) {
        double w = ch.levelForRate(bits / (t - computeS));
        double wMax = ch.levelForPower(pmaxW);
        // Round-off at the per-client bound may put w a hair above the p_max level; the bound itself is feasible.
        return Math.min(w, wMax);
    }

    /** Σ_k minimum power for delay T; +∞ if some client would exceed its own limit. */
    private static double sumPower(WaterFilling[] channels, double[] computeS, double[] bits, double[] pmaxW, double t) {
        double sum = 0;
        for (int c = 0; c < channels.length; c++) {
            if (bits[c] > 0) {
                sum += channels[c].power(levelAt(channels[c], computeS[c], bits[c], pmaxW[c], t));
            }
        }
        return sum;
    }
}
