package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.EmuRuntime;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.TimelineSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.net.Deployment;
import io.fedsllm.report.Checkpoints;
import io.fedsllm.report.ConsoleProgress;
import io.fedsllm.report.OutputDir;
import io.fedsllm.report.RunWriter;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.train.PeftAdapters;
import io.fedsllm.train.TrainProgress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * An experiment from its configuration to its outputs, the same for {@code run} (one JVM) and the coordinator node of a
 * cluster: every check the emulator would make when it starts, named as the user typed it; the output directory
 * (created only when the first round is written: a rejected run touches no file); the {@link RunWriter}; the one-line
 * outcome on stdout.
 */
final class RunDriver {
    private RunDriver() {}

    /** Where the experiment runs: this JVM ({@code Emulator.run}) or a cluster's coordinator node. */
    interface Emulation {
        RunResult run(Config config, RunSink sink, TrainProgress progress);
    }

    /**
     * A new run of configuration {@code c}; {@code inputs}: files the run reads (the --config file) that no
     * {@code --overwrite} may delete. Returns the exit code.
     */
    static int start(Config c, List<Path> inputs, boolean overwrite, Emulation emulation) {
        ConfigReader root = ConfigReader.root(c);
        EmuSettings emu = EmuSettings.from(root);
        emu.checkRun(root);
        Deployment.from(c).checkLinkBudget(0); // sizes that cannot fit, and a link too weak to compute with
        Scenario sc = Scenario.of(c); // a malformed scenario is refused here, naming file and line
        OutputDir dir = outputDir(root, emu, inputs, overwrite);
        try (RunWriter writer = new RunWriter(dir, emu.progress() ? ConsoleProgress.stderr(root) : null, emu.rounds(),
                ChartSettings.from(root)).saving(runConf(c, sc), EmuRuntime.from(root).checkpointsKept())
                .timeline(TimelineSettings.from(root))) {
            return execute(c, exportingAdapters(writer, root, emu), emulation);
        }
    }

    /** Runs (or resumes) the experiment into {@code writer} and prints the one-line outcome; the exit code. */
    static int execute(Config c, RunWriter writer, Emulation emulation) {
        ConfigReader root = ConfigReader.root(c);
        EmuSettings emu = EmuSettings.from(root);
        RunResult result;
        try {
            result = emulation.run(c, writer, ConsoleProgress.stderr(root).trainProgress());
            writer.finish(result, root.getLong("seed"), emu.targetLoss());
        } catch (RuntimeException | Error e) {
            writer.fail(e);
            throw e;
        }
        System.out.printf(java.util.Locale.ROOT, "%s %s, %d clients: %d rounds (%s), virtual %.3f s, wall %.2f s, "
                + "%d messages (%.0f messages/s); outputs in %s%n", result.scheme(), result.mode(), result.clients(),
                result.rounds().size(), result.stopReason(), result.virtualSeconds(), result.wallSeconds(),
                result.messages(), result.messages() / result.wallSeconds(), writer.dir());
        if (!writer.eventCounts().isEmpty()) {
            System.out.println("events (events.jsonl): " + writer.eventCounts().entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey()).collect(java.util.stream.Collectors.joining(", ")));
        }
        return 0;
    }

    /** The writer of a run resumed from checkpoint {@code from}: it continues the files in {@code dir}. */
    static RunWriter resumingWriter(Path dir, Checkpoints.Loaded from, Config c) {
        ConfigReader root = ConfigReader.root(c);
        EmuSettings emu = EmuSettings.from(root);
        return exportingAdapters(RunWriter.resume(dir, from, emu.progress() ? ConsoleProgress.stderr(root) : null,
                emu.rounds(), ChartSettings.from(root), EmuRuntime.from(root).checkpointsKept())
                .timeline(TimelineSettings.from(root)), root, emu);
    }

    /** A real-mode run writes its final LoRA in PEFT layout (DIR/adapter/); an analytic run has none. */
    private static RunWriter exportingAdapters(RunWriter writer, ConfigReader root, EmuSettings emu) {
        return emu.mode() == EmuSettings.Mode.REAL ? writer.exportingAdapters(PeftAdapters.Export.of(root)) : writer;
    }

    /** The run's configuration as saved in the run directory: the experiment and the code that runs it. */
    private static String runConf(Config c, Scenario sc) {
        return "# the configuration of this run and the code it ran with; `run --resume DIR` reads it\n"
                + c.root().withOnlyKey("fedsllm").render(com.typesafe.config.ConfigRenderOptions.defaults()
                        .setOriginComments(false).setComments(false).setJson(false)) + "\n"
                + "fedsllm-run.code = \"" + CodeFingerprint.of() + "\"\n"
                + (sc.text() == null ? "" : "fedsllm-run.scenario-sha256 = \"" + sha256(sc.text()) + "\"\n");
    }

    /** The SHA-256 of a scenario's text, hex: `run --resume` refuses a scenario file changed since the run started. */
    static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The run directory: {@code emu.out-dir} (or --out) exactly, or a new {@code <runs-dir>/<timestamp>-<scheme>}.
     * With --overwrite it may replace a directory, but never one holding an input of the run.
     */
    private static OutputDir outputDir(ConfigReader root, EmuSettings emu, List<Path> configInputs, boolean overwrite) {
        ConfigReader section = root.section("emu");
        if (emu.outDir() == null) {
            return OutputDir.fresh(Path.of(emu.runsDir()), OutputDir.stampedName(Clock.systemUTC(),
                    ConfigReader.configName(emu.scheme())), section.source("runs-dir"));
        }
        List<Path> inputs = new ArrayList<>(configInputs);
        if (!root.config().getIsNull("fedsllm.emu.scenario")) {
            inputs.add(Path.of(root.config().getString("fedsllm.emu.scenario")));
        }
        DataSettings data = DataSettings.from(root);
        if (data.dataset() == DataSettings.Dataset.FILES) {
            inputs.addAll(List.of(data.trainFile(), data.validationFile(), data.testFile()));
        }
        String checkpoint = TrainSettings.from(root).baseCheckpoint();
        if (!checkpoint.isBlank()) {
            inputs.add(Path.of(checkpoint));
        }
        inputs.add(Path.of(root.section("pretrain").directoryPath("cache-dir")));
        return OutputDir.exact(Path.of(emu.outDir()), section.source("out-dir"), overwrite, inputs);
    }
}
