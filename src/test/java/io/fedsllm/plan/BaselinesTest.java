package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BaselinesTest {

    @Test
    void baselineAIsARandomEqualSplitAtUniformPmax() {
        PlanningProblem p = Instances.random(7, 4, 18, 9, 5, List.of(1, 2, 4), 1.0);
        Plan a = Baselines.a(42).plan(p);
        int[] uses = new int[18];
        for (int k = 0; k < 4; k++) {
            Plan.ClientPlan c = a.clients().get(k);
            int n = c.subchannelsMain().length;
            assertTrue(n == 4 || n == 5, "near-equal split: " + n);
            for (int i : c.subchannelsMain()) {
                uses[i]++;
            }
            for (double psd : c.psdMain()) {
                assertEquals(c.psdMain()[0], psd, "uniform PSD");
            }
            assertEquals(p.channel().main().pmaxW()[k], c.powerMainW(), 1e-12, "all of p_max");
        }
        for (int u : uses) {
            assertEquals(1, u);
        }
        // Same seed, same draws; another seed, other draws.
        Plan again = Baselines.a(42).plan(p);
        assertArrayEquals(a.clients().get(0).subchannelsMain(), again.clients().get(0).subchannelsMain());
        boolean differs = false;
        for (long s = 43; s < 53 && !differs; s++) {
            differs = !java.util.Arrays.equals(a.clients().get(0).subchannelsMain(),
                    Baselines.a(s).plan(p).clients().get(0).subchannelsMain());
        }
        assertTrue(differs, "other seeds draw other subchannels");
    }

    @Test
    void baselinesShareTheirRandomChoicesAndBIsBestForItsAllocation() {
        PlanningProblem p = Instances.random(8, 3, 12, 6, 6, List.of(1, 2, 4, 8), 0.6);
        BcdPlanner bcd = new BcdPlanner(1e-9, 50, 1e-10, 1000);
        Plan a = Baselines.a(5).plan(p);
        Plan b = Baselines.b(5).plan(p);
        Plan c = Baselines.c(5, bcd).plan(p);
        Plan d = Baselines.d(5, bcd).plan(p);
        assertEquals(a.splitLayer(), c.splitLayer(), "a and c share the random split");
        assertEquals(a.rank(), d.rank(), "a and d share the random rank");
        assertArrayEquals(a.clients().get(1).subchannelsFed(), b.clients().get(1).subchannelsFed(), "a and b share subchannels");
        assertTrue(b.totalDelaySeconds() <= a.totalDelaySeconds());
        Plan proposed = bcd.plan(p);
        assertTrue(proposed.totalDelaySeconds() <= b.totalDelaySeconds());
        double sum = 0;
        for (Plan.ClientPlan cp : a.clients()) {
            sum += cp.powerMainW();
        }
        assertEquals(p.channel().main().pthW(), sum, 1e-12, "p_th binds: uniform PSD scaled to C5");
    }
}
