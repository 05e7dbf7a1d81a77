package io.fedsllm.emu;

/**
 * The main server's bookkeeping of one local iteration, indexed by client id and allocated once (no per-message
 * O(K) work): who is expected, whose activations arrived and when, who was stepped (accepted) and whose backward is
 * done. Barrier times are the max of the arrivals (SYSTEM_MODEL §5).
 */
final class IterationBarrier {
    final double[] arrivalS;
    final boolean[] arrived;
    final boolean[] lost;          // arrived as a lost-message marker: noticed, never stepped
    final boolean[] accepted;
    final boolean[] expected;
    int expectedCount;
    int arrivedCount;
    int acceptedCount;
    int backwardCount;
    double startS;
    double backwardMaxS;
    double gradientsSentS;
    boolean stepped;

    IterationBarrier(int clients) {
        arrivalS = new double[clients];
        arrived = new boolean[clients];
        lost = new boolean[clients];
        accepted = new boolean[clients];
        expected = new boolean[clients];
    }

    /** A new round: no client expected, stepped or awaited (O(K), once per round). */
    void clear(double startS) {
        java.util.Arrays.fill(arrived, false);
        java.util.Arrays.fill(accepted, false);
        java.util.Arrays.fill(expected, false);
        reset(startS);
    }

    /** A new iteration starting at {@code startS}: nobody expected yet. */
    void reset(double startS) {
        this.startS = startS;
        arrivedCount = 0;
        acceptedCount = 0;
        backwardCount = 0;
        backwardMaxS = startS;
        stepped = false;
        expectedCount = 0;
    }

    void expect(int client, boolean present) {
        arrived[client] = false;
        lost[client] = false;
        accepted[client] = false;
        expected[client] = present;
        if (present) {
            expectedCount++;
        }
    }

    void arrive(int client, double atS, boolean lostOnTheWay) {
        arrived[client] = true;
        lost[client] = lostOnTheWay;
        arrivalS[client] = atS;
        arrivedCount++;
    }

    /** True once every expected client's activations are in. */
    boolean allArrived() {
        return arrivedCount == expectedCount;
    }

    /** A client is no longer expected before the step (gone, withdrawn, silent). */
    void drop(int client) {
        if (expected[client]) {
            expected[client] = false;
            expectedCount--;
            if (arrived[client]) {
                arrived[client] = false;
                arrivedCount--;
            }
        }
    }

    /** A stepped client's backward is done at {@code atS}. */
    void backwardDone(int client, double atS) {
        accepted[client] = false;
        backwardCount++;
        backwardMaxS = Math.max(backwardMaxS, atS);
    }

    /** A stepped client will not finish its backward (gone, withdrawn, silent). */
    void unaccept(int client) {
        if (accepted[client]) {
            accepted[client] = false;
            acceptedCount--;
        }
    }

    /** True once every stepped client's backward is done. */
    boolean allBackward() {
        return backwardCount == acceptedCount;
    }
}
