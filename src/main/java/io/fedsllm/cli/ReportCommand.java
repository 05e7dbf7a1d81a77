package io.fedsllm.cli;

import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.report.RunComparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code report DIR...}: overlay runs written by {@code run} and tabulate their time to a target loss. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Overlay several runs in one loss-versus-virtual-time chart and print a time-to-target table.")
public final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "run directories (each with rounds.jsonl and summary.json)")
    List<Path> dirs = new ArrayList<>();

    @Option(names = "--target-loss", description = "target loss for the time-to-target column")
    Double targetLoss;

    @Option(names = "--out", description = "where to write the chart and time-to-target.csv (default: report.out-dir)")
    Path out;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        ConfigReader root = ConfigReader.root(config.load());
        ChartSettings chart = ChartSettings.from(root);
        if (out == null) {
            out = Path.of(root.section("report").directoryPath("out-dir"));
        }
        List<RunComparison.Run> runs = new ArrayList<>();
        for (Path d : dirs) {
            runs.add(RunComparison.read(d));
        }
        RunComparison.compare(runs, targetLoss, out, chart, System.out);
        System.out.println("wrote " + out);
        return 0;
    }
}
