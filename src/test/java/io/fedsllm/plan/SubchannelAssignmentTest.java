package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubchannelAssignmentTest {

    @Test
    void greedyUsesEverySubchannelExactlyOnce() {
        for (long seed = 0; seed < 50; seed++) {
            int k = 2 + (int) (seed % 7);
            int m = k + (int) (seed * 7 % 60);
            PlanningProblem p = Instances.random(seed, k, m, k + 3, 4, List.of(1), 1.0);
            SubchannelAssignment sa = new SubchannelAssignment(p.channel().main());
            double[] c = new double[k];
            for (int i = 0; i < k; i++) {
                c[i] = 0.1 * i;
            }
            int[][] owned = sa.greedy(c, 1e7);
            int[] uses = new int[m];
            for (int[] o : owned) {
                assertTrue(o.length >= 1, "every client owns a subchannel");
                for (int i : o) {
                    uses[i]++;
                }
            }
            for (int i = 0; i < m; i++) {
                assertEquals(1, uses[i], "subchannel " + i + " used once (seed " + seed + ")");
            }
        }
    }

    @Test
    void flatGainsReduceToOneEachThenStraggler() {
        // Equal gains: the slower-computing client (larger c_k) ends up with more subchannels.
        double[] hz = new double[10];
        java.util.Arrays.fill(hz, 1e6);
        double[][] a = {new double[10], new double[10]};
        java.util.Arrays.fill(a[0], 1e9);
        java.util.Arrays.fill(a[1], 1e9);
        var link = io.fedsllm.net.LinkState.of(hz, a, new double[] {0.1, 0.1}, 0.2);
        int[][] owned = new SubchannelAssignment(link).greedy(new double[] {0.0, 0.5}, 1e7);
        assertTrue(owned[1].length > owned[0].length, owned[0].length + " vs " + owned[1].length);
        assertEquals(10, owned[0].length + owned[1].length);
    }
}
