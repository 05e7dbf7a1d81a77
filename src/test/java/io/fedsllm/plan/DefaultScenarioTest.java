package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The paper's headline at the default scenario (SYSTEM_MODEL §6), seeds 1..20. */
class DefaultScenarioTest {

    @Test
    void proposedBeatsEveryBaselineAndHalvesBaselineA() {
        int seeds = 20;
        double sumProposed = 0;
        double sumA = 0;
        double minReduction = 1;
        StringBuilder log = new StringBuilder();
        for (int seed = 1; seed <= seeds; seed++) {
            PlanningScenario s = PlanningScenario.from(ConfigLoader.withSets("seed=" + seed));
            Map<String, Plan> plans = s.proposedAndBaselines(s.problem(0));
            Plan p = plans.get("proposed");
            double t = p.totalDelaySeconds();
            sumProposed += t;
            sumA += plans.get("a").totalDelaySeconds();
            minReduction = Math.min(minReduction, 1 - t / plans.get("a").totalDelaySeconds());
            log.append(String.format(Locale.ROOT, "seed %2d: proposed %.1f s (l=%d r=%d)  a %.1f  b %.1f  c %.1f (l=%d)  d %.1f (r=%d)%n",
                    seed, t, p.splitLayer(), p.rank(), plans.get("a").totalDelaySeconds(), plans.get("b").totalDelaySeconds(),
                    plans.get("c").totalDelaySeconds(), plans.get("c").splitLayer(), plans.get("d").totalDelaySeconds(),
                    plans.get("d").rank()));
            assertTrue(t < plans.get("b").totalDelaySeconds(), "seed " + seed + ": proposed not below b\n" + log);
            // c and d fix a random split / rank; when the draw equals the proposed choice they coincide with it.
            for (String scheme : new String[] {"c", "d"}) {
                Plan b = plans.get(scheme);
                boolean sameChoice = b.splitLayer() == p.splitLayer() && b.rank() == p.rank();
                if (sameChoice) {
                    assertEquals(t, b.totalDelaySeconds(), 1e-9 * t, "seed " + seed + " " + scheme);
                } else {
                    assertTrue(t < b.totalDelaySeconds(), "seed " + seed + ": proposed not below " + scheme + "\n" + log);
                }
            }
        }
        double reduction = 1 - sumProposed / sumA;
        System.out.print(log);
        System.out.printf(Locale.ROOT, "default scenario, %d seeds: mean total delay proposed %.1f s, baseline a %.1f s: "
                + "%.1f%% lower (smallest per-seed reduction %.1f%%)%n", seeds, sumProposed / seeds, sumA / seeds,
                100 * reduction, 100 * minReduction);
        assertTrue(reduction >= 0.5, "mean reduction vs a only " + reduction);
    }

    @Test
    void energyRankAtTheDefaultsIsInteriorFeasibleAndMaximal() {
        PlanningScenario s = PlanningScenario.from(ConfigLoader.withSets("seed=1"));
        EnergyRankProblem p = s.energyProblem(0);
        EnergyRankPlanner.Result r = EnergyRankPlanner.solve(p);
        System.out.println("energy rank planner at the defaults, seed 1: rank " + r.rank() + " of 1.." + p.maxRank());
        assertTrue(r.rank() > 1 && r.rank() < p.maxRank(), "interior rank expected, got " + r.rank());
        assertTrue(r.evaluation().feasible());
        assertTrue(!EnergyRankPlanner.evaluate(p, r.rank() + 1).feasible());
    }
}
