package io.fedsllm.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The BCD resource planner ({@code fedsllm.planner}, SYSTEM_MODEL §5–§6).
 *
 * @param ranks              candidate LoRA ranks, ascending, distinct
 * @param relativeTolerance  BCD stops when T_total falls by less than this fraction in an iteration
 * @param maxIterations      BCD iteration cap
 * @param bisectionTolerance relative width at which the power-control bisection on T1/T3 stops
 * @param localSearchSteps   cap on local-search steps after each greedy subchannel pass (0 = greedy alone)
 * @param roundsModel        "parametric" (R_inf (1 + a / r)) or "table"
 * @param roundsInf          R_inf of the parametric R(r)
 * @param roundsA            a of the parametric R(r)
 * @param roundsTable        rank → global rounds (used when roundsModel is "table")
 * @param baselineSeedOffset added to the experiment seed for the baselines' random draws
 */
public record PlannerSettings(List<Integer> ranks, double relativeTolerance, int maxIterations,
        double bisectionTolerance, int localSearchSteps, String roundsModel, double roundsInf, double roundsA,
        Map<Integer, Double> roundsTable, long baselineSeedOffset) {

    public static final String PARAMETRIC = "parametric";
    public static final String TABLE = "table";

    public static PlannerSettings from(ConfigReader root) {
        ConfigReader r = root.section("planner");
        List<Integer> ranks = r.intList("ranks", 1, 1024);
        for (int i = 1; i < ranks.size(); i++) {
            if (ranks.get(i) <= ranks.get(i - 1)) {
                throw r.invalid("ranks", "expected distinct ranks in ascending order");
            }
        }
        double tol = r.doubleInRange("relative-tolerance", 0, 1);
        int maxIt = r.intInRange("max-iterations", 1, 10_000);
        double bisect = r.doubleInRange("bisection-tolerance", 1e-15, 0.1);
        int localSearch = r.nonNegativeInt("local-search-steps");
        String model = r.oneOf("rounds-model", PARAMETRIC, TABLE);
        double rInf = r.physical("rounds-inf", "a number of rounds", 1, 1e9);
        double a = r.physical("rounds-a", "a rank sensitivity", 0, 1e6);
        ConfigReader table = r.section("rounds-table");
        Map<Integer, Double> rounds = new TreeMap<>();
        for (String key : table.keys()) {
            int rank;
            try {
                rank = Integer.parseInt(key);
            } catch (NumberFormatException e) {
                throw table.invalid("\"" + key + "\"", "expected a whole-number rank as key");
            }
            rounds.put(rank, table.physical("\"" + key + "\"", "a number of rounds", 1, 1e9));
        }
        if (model.equals(TABLE)) {
            for (int rank : ranks) {
                if (!rounds.containsKey(rank)) {
                    throw r.invalid("rounds-table", "rounds-model = table but rank " + rank + " of "
                            + r.key("ranks") + " has no entry; ranks in the table: " + rounds.keySet());
                }
            }
        }
        long offset = r.getLong("baselines.seed-offset");
        return new PlannerSettings(ranks, tol, maxIt, bisect, localSearch, model, rInf, a, Map.copyOf(rounds), offset);
    }
}
