package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.TimelineSettings;
import io.fedsllm.emu.Emulator;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.net.Deployment;
import io.fedsllm.results.RunResult;
import io.fedsllm.report.ConsoleProgress;
import io.fedsllm.report.OutputDir;
import io.fedsllm.report.RunWriter;
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

/**
 * {@code run}: one emulated experiment; outputs in the --out directory (see README "Emulator" and "Output
 * directories"). Everything the emulator would reject when it starts is checked here first, named as the user typed
 * it, and the output directory is created only when the first round is written: a rejected run touches no file.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the actor emulator: K clients, a main server and a federated server on a virtual clock.")
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--scheme", description = "sfl | sl | fl | centralized (default: emu.scheme)")
    String scheme;

    @Option(names = "--mode", description = "real | analytic (default: emu.mode)")
    String mode;

    @Option(names = "--clients", description = "K (default: system.clients)")
    Integer clients;

    @Option(names = "--rounds", description = "global rounds limit (default: emu.rounds)")
    Integer rounds;

    @Option(names = "--target-loss", description = "stop at this validation loss (real mode)")
    Double targetLoss;

    @Option(names = "--seed", description = "experiment seed (default: seed)")
    Long seed;

    @Option(names = "--out", description = "output directory, new or empty (default: emu.out-dir; null = a new "
            + "emu.runs-dir/<timestamp>-<scheme>, linked from emu.runs-dir/latest)")
    Path out;

    @Option(names = "--overwrite", description = "replace a non-empty output directory whole")
    boolean overwrite;

    @Option(names = "--scenario", paramLabel = "FILE", description = "a scenario file: scripted stragglers, fades, outages, "
            + "drops, crashes, churn and a straggler policy (docs/scenarios.md; default: emu.scenario)")
    Path scenario;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the interrupted run in DIR from its newest "
            + "whole checkpoint, with the configuration saved in DIR (no other run option)")
    Path resume;

    @Override
    public Integer call() {
        if (resume != null) {
            return resume();
        }
        // Values, not spliced into HOCON text: any path (spaces, quotes, backslashes) stays as given.
        Config c = config.load(new FlagOverrides(spec).add("--scheme", "emu.scheme", scheme).add("--mode", "emu.mode", mode)
                .add("--clients", "system.clients", clients).add("--rounds", "emu.rounds", rounds)
                .add("--target-loss", "emu.target-loss", targetLoss).add("--seed", "seed", seed)
                .add("--out", "emu.out-dir", out == null ? null : out.toString())
                .add("--scenario", "emu.scenario", scenario == null ? null : scenario.toString()).list());
        ConfigReader root = ConfigReader.root(c);
        EmuSettings emu = EmuSettings.from(root);
        emu.checkRun(root);
        Deployment.from(c).checkLinkBudget(0); // sizes that cannot fit, and a link too weak to compute with
        Scenario sc = Scenario.of(c); // a malformed scenario is refused here, naming file and line
        sc.requireSingleJvm();
        OutputDir dir = outputDir(root, emu);
        io.fedsllm.config.EmuRuntime runtime = io.fedsllm.config.EmuRuntime.from(root);
        try (RunWriter writer = new RunWriter(dir, emu.progress() ? ConsoleProgress.stderr(root) : null, emu.rounds(),
                ChartSettings.from(root)).saving(runConf(c, sc), runtime.checkpointsKept())
                .timeline(TimelineSettings.from(root))) {
            return execute(c, root, emu, writer, null);
        }
    }

    /** The run's configuration as saved in the run directory: the experiment and the code that runs it. */
    private static String runConf(Config c, Scenario sc) {
        return "# the configuration of this run and the code it ran with; `run --resume DIR` reads it\n"
                + c.root().withOnlyKey("fedsllm").render(com.typesafe.config.ConfigRenderOptions.defaults()
                        .setOriginComments(false).setComments(false).setJson(false)) + "\n"
                + "fedsllm-run.code = \"" + CodeFingerprint.of() + "\"\n"
                + (sc.text() == null ? "" : "fedsllm-run.scenario-sha256 = \"" + sha256(sc.text()) + "\"\n");
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Integer resume() {
        if (!config.sets.isEmpty() || config.configFile != null || scheme != null || mode != null || clients != null
                || rounds != null || targetLoss != null || seed != null || out != null || overwrite || scenario != null) {
            throw new io.fedsllm.config.UserError("--resume " + resume + " continues with the configuration saved in "
                    + resume.resolve(RunWriter.RUN_CONF) + ": give no other run option");
        }
        Path conf = resume.resolve(RunWriter.RUN_CONF);
        if (!java.nio.file.Files.isRegularFile(conf)) {
            throw new io.fedsllm.config.UserError("--resume " + resume + ": no " + RunWriter.RUN_CONF + " there; expected "
                    + "the directory of a run that was interrupted");
        }
        if (!java.nio.file.Files.exists(resume.resolve(RunWriter.INCOMPLETE))) {
            throw new io.fedsllm.config.UserError("--resume " + resume + ": that run is complete; nothing to resume");
        }
        Config saved = com.typesafe.config.ConfigFactory.parseFile(conf.toFile());
        String code = saved.hasPath("fedsllm-run.code") ? saved.getString("fedsllm-run.code") : "(none)";
        String now = CodeFingerprint.of();
        if (!code.equals(now)) {
            throw new io.fedsllm.config.UserError("--resume " + resume + ": the run was started by other code (jar "
                    + "SHA-256 " + code + ", this one " + now + "); resume it with the jar that started it");
        }
        Config c = saved.withoutPath("fedsllm-run").withFallback(com.typesafe.config.ConfigFactory.defaultReference());
        Scenario sc = Scenario.of(c);
        String hash = saved.hasPath("fedsllm-run.scenario-sha256") ? saved.getString("fedsllm-run.scenario-sha256") : null;
        String nowHash = sc.text() == null ? null : sha256(sc.text());
        if (!java.util.Objects.equals(hash, nowHash)) {
            throw new io.fedsllm.config.UserError("--resume " + resume + ": the scenario file " + sc.file() + " changed "
                    + "since the run started (SHA-256 " + hash + ", now " + nowHash + "); restore it to resume the run");
        }
        ConfigReader root = ConfigReader.root(c);
        EmuSettings emu = EmuSettings.from(root);
        io.fedsllm.report.Checkpoints.Loaded from = io.fedsllm.report.Checkpoints.latest(resume);
        try (RunWriter writer = RunWriter.resume(resume, from, emu.progress() ? ConsoleProgress.stderr(root) : null,
                emu.rounds(), ChartSettings.from(root), io.fedsllm.config.EmuRuntime.from(root).checkpointsKept())
                .timeline(TimelineSettings.from(root))) {
            return execute(c, root, emu, writer, from);
        }
    }

    /** Runs (or resumes) the experiment into {@code writer} and prints the one-line outcome. */
    private Integer execute(Config c, ConfigReader root, EmuSettings emu, RunWriter writer,
            io.fedsllm.report.Checkpoints.Loaded from) {
        RunResult result;
        try {
            result = from == null ? Emulator.run(c, writer, ConsoleProgress.stderr(root).trainProgress())
                    : Emulator.resume(c, writer, ConsoleProgress.stderr(root).trainProgress(), from.files());
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

    /**
     * The run directory: {@code emu.out-dir} (or --out) exactly, or a new {@code <runs-dir>/<timestamp>-<scheme>}.
     * With --overwrite it may replace a directory, but never one holding an input of the run.
     */
    private OutputDir outputDir(ConfigReader root, EmuSettings emu) {
        ConfigReader section = root.section("emu");
        if (emu.outDir() == null) {
            return OutputDir.fresh(Path.of(emu.runsDir()), OutputDir.stampedName(Clock.systemUTC(),
                    ConfigReader.configName(emu.scheme())), section.source("runs-dir"));
        }
        List<Path> inputs = new ArrayList<>(config.inputs());
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
