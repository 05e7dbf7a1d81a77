package io.fedsllm.plan;

import io.fedsllm.net.LinkState;
import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Subchannel assignment on one link (SYSTEM_MODEL §6 block 1, the paper's Algorithm 2), with each client's
 * subchannels ranked by gain once per link so repeated greedy passes cost O(M log K + M²/K).
 */
public final class SubchannelAssignment {
    private final LinkState link;
    private final int[][] byGain; // [client] subchannels by a^i descending, ties by index

    public SubchannelAssignment(LinkState link) {
        this.link = link;
        this.byGain = new int[link.clients()][];
        for (int k = 0; k < link.clients(); k++) {
            byGain[k] = rankByGain(link.snrPerPsd()[k]);
        }
    }

    public LinkState link() {
        return link;
    }

    private static int[] rankByGain(double[] a) {
        int m = a.length;
        boolean flat = true;
        for (int i = 1; i < m && flat; i++) {
            flat = a[i] == a[0];
        }
        int[] order = new int[m];
        if (flat) {
            Arrays.setAll(order, i -> i);
            return order;
        }
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
        int[] cursor = new int[kCount];
        int[][] owned = new int[kCount][m];
        int[] count = new int[kCount];
        double[] delay = new double[kCount];

        double[] single = new double[kCount];
        Integer[] weakestFirst = new Integer[kCount];
        for (int k = 0; k < kCount; k++) {
            int best = byGain[k][0];
            single[k] = delayWith(k, new int[] {best}, 1, computeS[k], bits);
            weakestFirst[k] = k;
        }
        Arrays.sort(weakestFirst, (x, y) -> {
            int c = Double.compare(single[y], single[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        for (int k : weakestFirst) {
            int s = nextFree(k, taken, cursor);
            taken[s] = true;
            owned[k][count[k]++] = s;
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
            int s = nextFree(k, taken, cursor);
            taken[s] = true;
            owned[k][count[k]++] = s;
            delay[k] = delayWith(k, owned[k], count[k], computeS[k], bits);
            stragglers.add(k);
        }
        int[][] result = new int[kCount][];
        for (int k = 0; k < kCount; k++) {
            result[k] = Arrays.copyOf(owned[k], count[k]);
        }
        return result;
    }

    private int nextFree(int k, boolean[] taken, int[] cursor) {
        while (taken[byGain[k][cursor[k]]]) {
            cursor[k]++;
        }
        return byGain[k][cursor[k]];
    }

    /** c_k + D / R_k with the first {@code n} owned subchannels at p_max (water-filled). */
    private double delayWith(int k, int[] owned, int n, double computeS, double bits) {
        if (bits <= 0) {
            return computeS;
        }
        WaterFilling wf = new WaterFilling(Arrays.copyOf(owned, n), link.subchannelHz(), link.snrPerPsd()[k]);
        return computeS + bits / wf.maxRate(link.pmaxW()[k]);
    }

    /** Water-filling views of an assignment, one per client. */
    public WaterFilling[] channels(int[][] owned) {
        WaterFilling[] w = new WaterFilling[owned.length];
        for (int k = 0; k < owned.length; k++) {
            w[k] = new WaterFilling(owned[k], link.subchannelHz(), link.snrPerPsd()[k]);
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
