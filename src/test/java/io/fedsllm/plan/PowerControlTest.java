package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PowerControlTest {

    @Test
    void perClientBoundIsExactWhenSumLimitIsSlack() {
        PlanningProblem p = Instances.random(5, 4, 20, 8, 4, List.of(1, 2), 1.0);
        SubchannelAssignment sa = new SubchannelAssignment(p.channel().main());
        int[][] owned = SubchannelAssignment.roundRobin(4, 20);
        WaterFilling[] ch = sa.channels(owned);
        double[] c = {0.5, 1.0, 0.2, 0.0};
        PowerControl.LinkSolution s = PowerControl.solve(ch, c, 1e7, p.channel().main().pmaxW(), p.channel().main().pthW(), 1e-12);
        double bound = 0;
        int straggler = -1;
        for (int k = 0; k < 4; k++) {
            double t = c[k] + 1e7 / ch[k].maxRate(p.channel().main().pmaxW()[k]);
            if (t > bound) {
                bound = t;
                straggler = k;
            }
        }
        assertEquals(bound, s.delayS(), 1e-12 * bound);
        assertEquals(p.channel().main().pmaxW()[straggler], s.powerW()[straggler], 1e-9);
        for (int k = 0; k < 4; k++) {
            // Every client finishes exactly at T with the least power: no one wastes power finishing early.
            assertEquals(s.delayS(), c[k] + 1e7 / s.rateBps()[k], 1e-9 * s.delayS());
            assertTrue(s.powerW()[k] <= p.channel().main().pmaxW()[k] * (1 + 1e-9));
        }
    }

    @Test
    void bindingSumLimitIsMetWithEquality() {
        PlanningProblem p = Instances.random(6, 4, 20, 8, 4, List.of(1, 2), 0.3);
        var link = p.channel().main();
        SubchannelAssignment sa = new SubchannelAssignment(link);
        WaterFilling[] ch = sa.channels(SubchannelAssignment.roundRobin(4, 20));
        double[] c = new double[4];
        PowerControl.LinkSolution s = PowerControl.solve(ch, c, 1e7, link.pmaxW(), link.pthW(), 1e-12);
        double sum = 0;
        for (int k = 0; k < 4; k++) {
            sum += s.powerW()[k];
            assertTrue(s.powerW()[k] <= link.pmaxW()[k] * (1 + 1e-9));
        }
        assertTrue(sum <= link.pthW() * (1 + 1e-9), "C5 holds");
        assertEquals(link.pthW(), sum, 1e-6 * link.pthW(), "C5 binds at the optimum");
        // A slightly shorter delay would need more than p_th in total.
        double shorter = s.delayS() * (1 - 1e-6);
        double need = 0;
        for (int k = 0; k < 4; k++) {
            need += ch[k].minPower(1e7 / shorter);
        }
        assertTrue(need > link.pthW(), "shorter delay is infeasible");
    }
}
