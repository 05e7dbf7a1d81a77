package io.fedsllm.plan;

import io.fedsllm.net.LinkState;
import io.fedsllm.net.Rates;
import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Subchannel assignment on one link (SYSTEM_MODEL §6 block 1, the paper's Algorithm 2), with each client's
 * subchannels ranked by gain once per link so repeated greedy passes cost O(M log K + M²/K). A client whose gain
 * is the same on every subchannel (flat fading, the default) is neither ranked nor stored per subchannel: its best
 * free subchannel is the lowest free index, so memory and time stay O(K + M) under flat fading; only clients with
 * frequency-selective gains (Rayleigh) hold a ranked row of M entries. Not thread-safe.
 */
public final class SubchannelAssignment {
    private final LinkState link;
    private final int[][] byGain; // [client] subchannels by a^i descending, ties by index; null = flat (index order)
    private final double[][] rows; // [client] a^i of every subchannel; null = flat (see flatGain)
    private final double[] flatGain; // a of a flat client on every subchannel
    private int[] scratch = new int[16]; // reused by maxRate: an instance serves one planning call at a time

    public SubchannelAssignment(LinkState link) {
        this.link = link;
        int k = link.clients();
        this.byGain = new int[k][];
        this.rows = new double[k][];
        this.flatGain = new double[k];
        for (int c = 0; c < k; c++) {
            if (link.flat(c)) {
                flatGain[c] = link.snrPerPsd(c, 0);
            } else {
                rows[c] = link.snrRow(c);
                byGain[c] = rankByGain(rows[c]);
            }
        }
    }

    public LinkState link() {
        return link;
    }

    /** a_k^i. */
    private double gain(int k, int i) {
        double[] row = rows[k];
        return row == null ? flatGain[k] : row[i];
    }

    /** Subchannels by a^i descending, ties by index (a row that is not flat). */
    private static int[] rankByGain(double[] a) {
        int m = a.length;
        int[] order = new int[m];
        Integer[] boxed = new Integer[m];
        Arrays.setAll(boxed, i -> i);
        Arrays.sort(boxed, (x, y) -> {
            int c = Double.compare(a[y], a[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        for (int i = 0; i < m; i++) {
            order[i] = boxed[i];
        }
        return order;
    }

    /**
     * Greedy: every client gets its best free subchannel, weakest client first (largest delay
     * c_k + D / R_k on its single best subchannel at p_max); then each remaining subchannel goes to the current
     * straggler (largest c_k + D / R_k with its subchannels at p_max), choosing its best free subchannel.
     *
     * @param computeS c_k (T_k^F on the main link, 0 on the fed link)
     * @param bits     D (bΨ on the main link, Δ on the fed link)
     * @return [client] owned subchannel indices; every subchannel is owned exactly once
     */
    public int[][] greedy(double[] computeS, double bits) {
        int kCount = link.clients();
        int m = link.subchannels();
        boolean[] taken = new boolean[m];
        int[] cursor = new int[kCount + 1]; // per ranked client; [kCount] = the lowest free index, shared by flat clients
        int[][] owned = new int[kCount][];
        int[] count = new int[kCount];
        double[] delay = new double[kCount];

        double[] single = new double[kCount];
        Integer[] weakestFirst = new Integer[kCount];
        for (int k = 0; k < kCount; k++) {
            int best = byGain[k] == null ? 0 : byGain[k][0];
            single[k] = delayWith(k, new int[] {best}, 1, computeS[k], bits);
            weakestFirst[k] = k;
            owned[k] = new int[Math.max(2, m / kCount + 1)];
        }
        Arrays.sort(weakestFirst, (x, y) -> {
            int c = Double.compare(single[y], single[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        for (int k : weakestFirst) {
            take(k, nextFree(k, taken, cursor), owned, count, taken);
            delay[k] = delayWith(k, owned[k], count[k], computeS[k], bits);
        }
        PriorityQueue<Integer> stragglers = new PriorityQueue<>((x, y) -> {
            int c = Double.compare(delay[y], delay[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        for (int k = 0; k < kCount; k++) {
            stragglers.add(k);
        }
        for (int left = m - kCount; left > 0; left--) {
            int k = stragglers.poll();
            take(k, nextFree(k, taken, cursor), owned, count, taken);
            delay[k] = delayWith(k, owned[k], count[k], computeS[k], bits);
            stragglers.add(k);
        }
        int[][] result = new int[kCount][];
        for (int k = 0; k < kCount; k++) {
            result[k] = Arrays.copyOf(owned[k], count[k]);
        }
        return result;
    }

    private static void take(int k, int s, int[][] owned, int[] count, boolean[] taken) {
        taken[s] = true;
        if (count[k] == owned[k].length) {
            owned[k] = Arrays.copyOf(owned[k], 2 * owned[k].length);
        }
        owned[k][count[k]++] = s;
    }

    /**
     * Client k's best free subchannel: the next in its ranking, or for a flat client the lowest free index (all
     * indices below the shared cursor are taken, and taken subchannels stay taken).
     */
    private int nextFree(int k, boolean[] taken, int[] cursor) {
        int[] order = byGain[k];
        if (order == null) {
            int c = cursor.length - 1;
            while (taken[cursor[c]]) {
                cursor[c]++;
            }
            return cursor[c];
        }
        while (taken[order[cursor[k]]]) {
            cursor[k]++;
        }
        return order[cursor[k]];
    }

    /** c_k + D / R_k with the first {@code n} owned subchannels at p_max (water-filled). */
    private double delayWith(int k, int[] owned, int n, double computeS, double bits) {
        if (bits <= 0) {
            return computeS;
        }
        return computeS + bits / maxRate(k, owned, n, -1, -1);
    }

    /**
     * Local search after the greedy (our addition to the paper's Algorithm 2, a one-pass heuristic that loses up
     * to ~20% under frequency-selective fading): repeatedly take the straggler k (largest c_k + D / R_k(p_max))
     * and apply the first move of one subchannel from another client j to k, or else the first swap of one
     * subchannel of k with one of j, after which both k and j finish before k did. A step costs O(n_k · M)
     * rate evaluations at worst; under flat gains (the default) no swap can help and each is rejected in O(1). Every accepted step strictly
     * lowers the straggler's delay without creating a worse one, so the sorted delay vector decreases
     * lexicographically and the search ends; every subchannel stays owned exactly once.
     *
     * @param maxSteps cap on accepted steps
     */
    public int[][] refine(int[][] start, double[] computeS, double bits, int maxSteps) {
        int kCount = start.length;
        if (bits <= 0 || kCount < 2 || maxSteps == 0) {
            return start;
        }
        int[][] owned = new int[kCount][];
        double[] delay = new double[kCount];
        for (int k = 0; k < kCount; k++) {
            owned[k] = start[k].clone();
            delay[k] = delayWith(k, owned[k], owned[k].length, computeS[k], bits);
        }
        for (int step = 0; step < maxSteps; step++) {
            int k = 0;
            for (int j = 1; j < kCount; j++) {
                if (delay[j] > delay[k]) {
                    k = j;
                }
            }
            if (!moveToStraggler(k, owned, delay, computeS, bits)
                    && !swapWithStraggler(k, owned, delay, computeS, bits)) {
                break;
            }
        }
        return owned;
    }

    /** Moves one subchannel of some j to k: every subchannel of every other client is tried (O(M) tries). */
    private boolean moveToStraggler(int k, int[][] owned, double[] delay, double[] computeS, double bits) {
        int[] ok = owned[k];
        double[] hz = link.subchannelHz();
        for (int j = 0; j < owned.length; j++) {
            int[] oj = owned[j];
            if (j == k || oj.length < 2) {
                continue;
            }
            for (int t = 0; t < oj.length; t++) {
                int i = oj[t];
                int p = t > 0 ? oj[t - 1] : -1;
                if (p >= 0 && hz[i] == hz[p] && gain(k, i) == gain(k, p) && gain(j, i) == gain(j, p)) {
                    continue; // identical to the subchannel just tried (flat gains)
                }
                double dk = computeS[k] + bits / maxRate(k, ok, ok.length, -1, i);
                if (dk >= delay[k]) {
                    continue;
                }
                double dj = computeS[j] + bits / maxRate(j, oj, oj.length, t, -1);
                if (dj < delay[k]) {
                    owned[k] = append(ok, i);
                    owned[j] = remove(oj, t);
                    delay[k] = dk;
                    delay[j] = dj;
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Swaps one subchannel s of k with one subchannel i of j (O(n_k · M) tries); only pairs where k sees i
     * better than s are evaluated, since otherwise k cannot gain.
     */
    private boolean swapWithStraggler(int k, int[][] owned, double[] delay, double[] computeS, double bits) {
        int[] ok = owned[k];
        double[] hz = link.subchannelHz();
        for (int j = 0; j < owned.length; j++) {
            if (j == k) {
                continue;
            }
            int[] oj = owned[j];
            for (int g = 0; g < ok.length; g++) {
                int s2 = ok[g];
                for (int t = 0; t < oj.length; t++) {
                    int i = oj[t];
                    if (gain(k, i) <= gain(k, s2) && hz[i] <= hz[s2]) {
                        continue;
                    }
                    double dk = computeS[k] + bits / maxRate(k, ok, ok.length, g, i);
                    if (dk >= delay[k]) {
                        continue;
                    }
                    double dj = computeS[j] + bits / maxRate(j, oj, oj.length, t, s2);
                    if (dj < delay[k]) {
                        ok[g] = i;
                        oj[t] = s2;
                        delay[k] = dk;
                        delay[j] = dj;
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Max rate of client k at p_max on the first {@code len} entries of {@code set} without position {@code skip} (−1: none) plus subchannel
     * {@code extra} (−1: none), by water-filling with an iteratively shrunk active set: the level computed on a
     * superset of the true active set is never below the true level, so dropping subchannels with 1/a^i ≥ w is
     * always right. O(n) per pass, no allocation beyond a reused buffer.
     */
    private double maxRate(int k, int[] set, int len, int skip, int extra) {
        int n = 0;
        if (scratch.length < len + 1) {
            scratch = new int[2 * len + 2];
        }
        for (int t = 0; t < len; t++) {
            if (t != skip) {
                scratch[n++] = set[t];
            }
        }
        if (extra >= 0) {
            scratch[n++] = extra;
        }
        double[] hz = link.subchannelHz();
        double power = link.pmaxW()[k];
        double w;
        while (true) {
            double sumB = 0;
            double sumBOverA = 0;
            for (int t = 0; t < n; t++) {
                int i = scratch[t];
                sumB += hz[i];
                sumBOverA += hz[i] / gain(k, i);
            }
            w = (power + sumBOverA) / sumB;
            int kept = 0;
            for (int t = 0; t < n; t++) {
                int i = scratch[t];
                if (1 / gain(k, i) < w) {
                    scratch[kept++] = i;
                }
            }
            if (kept == n) {
                break;
            }
            n = kept;
        }
        double rate = 0;
        for (int t = 0; t < n; t++) {
            int i = scratch[t];
            double a = gain(k, i);
            rate += Rates.subchannelRate(hz[i], w - 1 / a, a);
        }
        return rate;
    }

    private static int[] append(int[] o, int i) {
        int[] n = Arrays.copyOf(o, o.length + 1);
        n[o.length] = i;
        return n;
    }

    private static int[] remove(int[] o, int t) {
        int[] n = new int[o.length - 1];
        System.arraycopy(o, 0, n, 0, t);
        System.arraycopy(o, t + 1, n, t, o.length - t - 1);
        return n;
    }

    /** Water-filling views of an assignment, one per client. */
    public WaterFilling[] channels(int[][] owned) {
        WaterFilling[] w = new WaterFilling[owned.length];
        for (int k = 0; k < owned.length; k++) {
            w[k] = rows[k] == null ? new WaterFilling(owned[k], link, k)
                    : new WaterFilling(owned[k], link.subchannelHz(), rows[k]);
        }
        return w;
    }

    /** Subchannel i to client i mod K: an equal split used to initialise the BCD. */
    public static int[][] roundRobin(int clients, int subchannels) {
        int[][] owned = new int[clients][];
        for (int k = 0; k < clients; k++) {
            owned[k] = new int[(subchannels - k + clients - 1) / clients];
            for (int j = 0; j < owned[k].length; j++) {
                owned[k][j] = k + j * clients;
            }
        }
        return owned;
    }
}
