package io.fedsllm.plan;

import com.typesafe.config.Config;
import io.fedsllm.config.BenchSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** Wall-clock solve time of the proposed planner (a measurement, never a test oracle). */
public final class PlannerBench {
    private PlannerBench() {}

    /** Timings of one case, ms. */
    public record Result(BenchSettings.Case size, int repetitions, double medianMs, double maxMs, double minMs,
            int bcdIterations, double totalDelaySeconds) {}

    /**
     * @param configFor builds the configuration for extra {@code path=value} overrides
     */
    public static List<Result> run(BenchSettings settings, Function<List<String>, Config> configFor) {
        List<Result> results = new ArrayList<>();
        for (BenchSettings.Case c : settings.cases()) {
            PlanningScenario scenario = PlanningScenario.from(configFor.apply(List.of("system.clients=" + c.clients(),
                    "radio.main.subchannels=" + c.mainSubchannels(), "radio.fed.subchannels=" + c.fedSubchannels())));
            PlanningProblem problem = scenario.problem(0);
            BcdPlanner planner = scenario.planner();
            Plan plan = planner.plan(problem); // warm-up (JIT)
            double[] ms = new double[settings.repetitions()];
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                plan = planner.plan(problem);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : 0.5 * (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]);
            results.add(new Result(c, ms.length, median, sorted[sorted.length - 1], sorted[0], plan.bcdIterations(),
                    plan.totalDelaySeconds()));
        }
        return results;
    }
}
