package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.EnergySettings;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.cost.LinearCosts;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnergyRankPlannerTest {

    private static EnergyRankProblem problem(double delayMax, double energyMax) {
        return new EnergyRankProblem(List.of(
                new EnergyRankProblem.Device(2e10, 1e8, 2e6, 0.1, 2e9),
                new EnergyRankProblem.Device(1.5e10, 1e8, 5e5, 0.1, 1.2e9),
                new EnergyRankProblem.Device(1e10, 1e8, 1e7, 0.1, 1e9)), 1e6, 32, 1e-28, delayMax, energyMax);
    }

    @Test
    void answerIsFeasibleAndNextRankIsNot() {
        int interior = 0;
        for (double t : new double[] {14, 16, 20, 30, 60}) {
            for (double e : new double[] {2, 5, 10, 50}) {
                EnergyRankProblem p = problem(t, e);
                EnergyRankPlanner.Result r = EnergyRankPlanner.solve(p);
                if (r.rank() == 0) {
                    assertFalse(EnergyRankPlanner.evaluate(p, 1).feasible());
                    continue;
                }
                assertTrue(r.evaluation().feasible());
                for (EnergyRankPlanner.DevicePoint d : r.evaluation().devices()) {
                    assertTrue(d.computeS() + d.uploadS() <= t * (1 + 1e-12), "delay within T_max");
                    assertTrue(d.energyJ() <= e, "energy within E_max");
                }
                if (r.rank() < p.maxRank()) {
                    interior++;
                    assertFalse(EnergyRankPlanner.evaluate(p, r.rank() + 1).feasible(), "rank + 1 infeasible");
                }
            }
        }
        assertTrue(interior >= 5, "the grid should exercise interior answers, got " + interior);
    }

    @Test
    void cheapestFrequencyUsesTheWholeDelayBudget() {
        EnergyRankProblem p = problem(30, 50);
        EnergyRankPlanner.Evaluation e = EnergyRankPlanner.evaluate(p, 4);
        EnergyRankProblem.Device d = p.devices().get(1);
        double cycles = 1.5e10 + 4 * 1e8;
        double upload = 4 * 1e6 / 5e5; // 8 s
        double f = cycles / (30 - upload);
        assertEquals(f, e.devices().get(1).frequencyHz(), 1e-6 * f);
        assertEquals(1e-28 * cycles * f * f + 0.1 * upload, e.devices().get(1).energyJ(), 1e-9);
        assertEquals(30, e.devices().get(1).computeS() + e.devices().get(1).uploadS(), 1e-9);
        assertTrue(d.maxFrequencyHz() > 0);
    }

    @Test
    void problemFromCostsTrainsOnlyTheLastBlocks() {
        // 4 layers of 1e9 FLOPs (+1e7 per rank), LoRA 1e5 bits per layer per rank; device holds 3, trains last 2.
        LinearCosts costs = new LinearCosts(new double[] {1e9, 1e9, 1e9, 1e9}, new double[] {1e7, 1e7, 1e7, 1e7}, 0,
                new double[] {1, 1, 1}, 1e5);
        EnergySettings s = new EnergySettings(2, 3, 8, 1e-28, 10, 1);
        EnergyRankProblem p = EnergyRankProblem.from(costs, s, 5, List.of(new ComputeProfile(1e9, 100)),
                new double[] {1e6}, new double[] {0.2});
        EnergyRankProblem.Device d = p.devices().get(0);
        // per iteration: frozen block forward 1e9 + trained blocks 3 x 2e9; x5 iterations / 100 FLOPs per cycle
        assertEquals(5 * (1e9 + 3 * 2e9) / 100, d.cyclesBase(), 1);
        // rank part: LoRA only on the 2 trained blocks, forward + backward
        assertEquals(5 * 3 * 2e7 / 100, d.cyclesPerRank(), 1e-3);
        assertEquals(2e5, p.uploadBitsPerRank(), 1e-6);
    }
}
