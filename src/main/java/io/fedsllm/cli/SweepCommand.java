package io.fedsllm.cli;

import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.ConfigLoader.Flag;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.SweepSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.plan.PlanningScenario;
import io.fedsllm.plan.Sweep;
import io.fedsllm.report.OutputDir;
import io.fedsllm.report.SweepReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import io.fedsllm.report.ConsoleProgress;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fedsllm sweep}: total delay (or energy-constrained rank) against one parameter, CSV + PNG. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Sweep one parameter over values x seeds; write DIR/<param>.csv and DIR/<param>.png.")
public final class SweepCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--param", required = true, paramLabel = "NAME",
            description = "bandwidth | client-flops-per-cycle | server-frequency | pmax | energy-max | delay-max")
    String param;

    @Option(names = "--values", paramLabel = "V1,V2,...",
            description = "Values (units as in application.conf: Hz, FLOPs/cycle, cycles/s, dBm, J, s); default planner.sweep.<param>")
    String values;

    @Option(names = "--seeds", paramLabel = "N",
            description = "Seeds per value: fedsllm.seed .. fedsllm.seed+N-1 (default planner.sweep.seeds)")
    Integer seeds;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory, new or empty")
    Path out;

    @Option(names = "--overwrite", description = "replace a non-empty output directory whole")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Sweep.Param p = Sweep.Param.named(param);
        ConfigReader root = ConfigReader.root(config.load());
        SweepSettings defaults = SweepSettings.from(root);
        ChartSettings chart = ChartSettings.from(root);
        List<Double> list = values == null ? defaults.values().get(p.cliName) : parseValues(values);
        int n = seeds == null ? defaults.seeds() : seeds;
        if (list == null) {
            throw new UserError("no default values for --param " + p.cliName + " under fedsllm.planner.sweep.values; give --values");
        }
        if (n < 1) {
            throw new UserError("--seeds " + n + ": expected a whole number >= 1");
        }
        OutputDir target = OutputDir.exact(out, "--out " + out, overwrite, config.inputs());
        // Every value must give a valid scenario before the first is planned (a bad one named as --values gave it).
        for (double v : list) {
            List<Flag> flags = new ArrayList<>();
            for (String key : p.keys) {
                flags.add(new Flag(values == null ? "fedsllm.planner.sweep.values." + p.cliName + " entry " + v
                        : "--values " + values, key, v));
            }
            PlanningScenario.from(config.load(flags)).deployment().checkLinkBudget(0);
        }
        long firstSeed = root.getLong("seed");
        List<Sweep.Row> rows;
        try (ProgressBar bar = ConsoleProgress.stderr(root).bar("sweep " + p.cliName,
                (long) list.size() * n, false)) {
            rows = Sweep.run(p, list, firstSeed, n, sets -> config.load(sets.toArray(new String[0])), bar::step);
        }
        List<Path> files = new ArrayList<>();
        Path written = target.publish(staging -> SweepReport.write(staging, p, rows, chart)
                .forEach(f -> files.add(staging.relativize(f))));
        var w = spec.commandLine().getOut();
        for (Path f : files) {
            w.println("wrote " + written.resolve(f));
        }
        w.flush();
        return 0;
    }

    static List<Double> parseValues(String s) {
        List<Double> list = new ArrayList<>();
        for (String part : s.split(",")) {
            try {
                double v = Double.parseDouble(part.trim());
                if (!Double.isFinite(v)) {
                    throw new NumberFormatException();
                }
                list.add(v);
            } catch (NumberFormatException e) {
                throw new UserError("--values '" + s + "': '" + part.trim() + "' is not a finite number; expected e.g. 10e6,20e6,40e6");
            }
        }
        return list;
    }
}
