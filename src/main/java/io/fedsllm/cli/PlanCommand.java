package io.fedsllm.cli;

import io.fedsllm.plan.Plan;
import io.fedsllm.plan.PlanningProblem;
import io.fedsllm.plan.PlanningScenario;
import io.fedsllm.report.PlanReport;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fedsllm plan}: plans round 0 of the configured scenario and compares with baselines a–d. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Plan round 0 of the configured scenario (split, rank, subchannels, power) and compare with baselines a-d.")
public final class PlanCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--seed", paramLabel = "N", description = "Experiment seed (sets fedsllm.seed)")
    Long seed;

    @Option(names = "--json", description = "Print one JSON object instead of a table")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PlanningScenario scenario = PlanningScenario.from(config.load(new FlagOverrides(spec).add("--seed", "seed", seed).list()));
        PlanningProblem problem = scenario.problem(0);
        // One untimed solve first, so solveMillis measures a warm solve, not class loading and JIT compilation.
        scenario.planner().plan(problem);
        long t0 = System.nanoTime();
        scenario.planner().plan(problem);
        double solveMillis = (System.nanoTime() - t0) / 1e6;
        Map<String, Plan> plans = scenario.proposedAndBaselines(problem);
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(PlanReport.toJson(PlanReport.json(scenario.seed(), problem.channel(), problem.clientCompute(), plans,
                    solveMillis)));
        } else {
            out.print(PlanReport.table(scenario.seed(), problem.channel(), problem.clientCompute(), plans, solveMillis));
        }
        out.flush();
        return 0;
    }
}
