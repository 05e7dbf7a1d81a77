package io.fedsllm.cli;

import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.UserError;
import io.fedsllm.report.OutputDir;
import io.fedsllm.report.RunComparison;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

/**
 * {@code report DIR...}: overlay runs written by {@code run} and tabulate their time to a target loss. The output
 * location and every run directory are checked before anything is written; the outputs appear all at once.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Overlay several runs in one loss-versus-virtual-time chart and print a time-to-target table.")
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "run directories (each with rounds.jsonl and summary.json)")
    List<Path> dirs = new ArrayList<>();

    @Option(names = "--target-loss", description = "target loss for the time-to-target column (> 0)")
    Double targetLoss;

    @Option(names = "--out", description = "where to write the chart and time-to-target.csv, new or empty (default: "
            + "report.out-dir; null = a new report.reports-dir/<timestamp>, linked from report.reports-dir/latest)")
    Path out;

    @Option(names = "--overwrite", description = "replace a non-empty output directory whole")
    boolean overwrite;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        ConfigReader root = ConfigReader.root(config.load(new FlagOverrides(spec)
                .add("--out", "report.out-dir", out == null ? null : out.toString()).list()));
        ChartSettings chart = ChartSettings.from(root);
        if (targetLoss != null && !(targetLoss > 0)) {
            throw new UserError("--target-loss " + targetLoss + ": expected a validation loss > 0 (nats per labelled token)");
        }
        ConfigReader section = root.section("report");
        String outDir = section.optionalDirectoryPath("out-dir");
        List<Path> inputs = new ArrayList<>(dirs);
        inputs.addAll(config.inputs());
        OutputDir target = outDir == null
                ? OutputDir.fresh(Path.of(section.directoryPath("reports-dir")), OutputDir.stampedName(Clock.systemUTC(), ""),
                        section.source("reports-dir"))
                : OutputDir.exact(Path.of(outDir), section.source("out-dir"), overwrite, inputs);
        List<RunComparison.Run> runs = new ArrayList<>();
        for (Path d : dirs) {
            runs.add(RunComparison.read(d));
        }
        Path written = target.publish(staging -> RunComparison.compare(runs, targetLoss, staging, chart, System.out));
        System.out.println("wrote " + written);
        return 0;
    }
}
