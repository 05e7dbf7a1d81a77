package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The paper's headline at the default scenario (SYSTEM_MODEL §6), seeds 1..20. */
class DefaultScenarioTest {

    @Test
    void proposedBeatsEveryBaselineAndHalvesBaselineA() {
        int seeds = 20;
        double sumProposed = 0;
        double sumA = 0;
        double minReduction = 1;
        double maxReduction = 0;
        double sumReduction = 0;
        Map<String, Double> sums = new TreeMap<>();
        int dWorseThanB = 0;
        StringBuilder log = new StringBuilder();
        for (int seed = 1; seed <= seeds; seed++) {
            PlanningScenario s = PlanningScenario.from(ConfigLoader.withSets("seed=" + seed));
            Map<String, Plan> plans = s.proposedAndBaselines(s.problem(0));
            Plan p = plans.get("proposed");
            double t = p.totalDelaySeconds();
            sumProposed += t;
            sumA += plans.get("a").totalDelaySeconds();
            double reductionVsA = 1 - t / plans.get("a").totalDelaySeconds();
            minReduction = Math.min(minReduction, reductionVsA);
            maxReduction = Math.max(maxReduction, reductionVsA);
            sumReduction += reductionVsA;
            plans.forEach((scheme, plan) -> sums.merge(scheme, plan.totalDelaySeconds(), Double::sum));
            dWorseThanB += plans.get("d").totalDelaySeconds() > plans.get("b").totalDelaySeconds() ? 1 : 0;
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
        StringBuilder means = new StringBuilder("mean total delay over " + seeds + " seeds:");
        sums.forEach((scheme, sum) -> means.append(String.format(Locale.ROOT, " %s %.1f s", scheme, sum / seeds)));
        System.out.println(means);
        System.out.printf(Locale.ROOT, "per-seed reduction vs a: min %.1f%%, mean %.1f%%, max %.1f%%%n", 100 * minReduction,
                100 * sumReduction / seeds, 100 * maxReduction);
        // SYSTEM_MODEL §6: "(d) is much worse than (b)". Here the rank changes a round's delay by well under 1% and
        // acts through R(r) alone, so (d) pays R(random r) / R(r*) (1 to 3.3 at the defaults): worse than (b) on
        // average, but only on the seeds that draw a small rank.
        double meanB = sums.get("b") / seeds;
        double meanD = sums.get("d") / seeds;
        System.out.printf(Locale.ROOT, "(d) vs (b): mean %.1f s vs %.1f s (d/b = %.2f); d worse than b on %d of %d seeds%n",
                meanD, meanB, meanD / meanB, dWorseThanB, seeds);
        assertTrue(meanD > meanB, "mean (d) " + meanD + " s not above mean (b) " + meanB + " s");
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
