package io.fedsllm.cli;

import io.fedsllm.config.BenchSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.plan.PlannerBench;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fedsllm bench planner}: solve time of the proposed planner for the sizes of planner.bench.cases. */
@Command(name = "planner", mixinStandardHelpOptions = true,
        description = "Time the proposed planner on round 0 for each K/M/N of planner.bench.cases (median and max ms).")
public final class BenchPlannerCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        BenchSettings settings = BenchSettings.from(ConfigReader.root(config.load()));
        var out = spec.commandLine().getOut();
        for (PlannerBench.Result r : PlannerBench.run(settings, sets -> config.load(sets.toArray(new String[0])))) {
            out.println(String.format(Locale.ROOT,
                    "K=%d M=%d N=%d: median %.2f ms, max %.2f ms, min %.2f ms over %d solves (%d BCD iterations, T_total %.1f s)",
                    r.size().clients(), r.size().mainSubchannels(), r.size().fedSubchannels(), r.medianMs(), r.maxMs(),
                    r.minMs(), r.repetitions(), r.bcdIterations(), r.totalDelaySeconds()));
        }
        out.flush();
        return 0;
    }
}
