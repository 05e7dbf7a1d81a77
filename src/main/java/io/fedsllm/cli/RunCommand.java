package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.config.UserError;
import io.fedsllm.emu.Emulator;
import io.fedsllm.report.Checkpoints;
import io.fedsllm.report.RunWriter;
import io.fedsllm.scenario.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code run}: one emulated experiment in this JVM; outputs in the --out directory (see docs/emulator.md and
 * docs/configuration.md "Output directories"). Everything the emulator would reject when it starts is checked here first, named as the user typed
 * it, and the output directory is created only when the first round is written: a rejected run touches no file
 * ({@link RunDriver}, shared with the coordinator node of a cluster).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the actor emulator: K clients, a main server and a federated server on a virtual clock.")
public final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Mixin
    RunOptions options;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the interrupted run in DIR from its newest "
            + "whole checkpoint, with the configuration saved in DIR (no other run option)")
    Path resume;

    @Override
    public Integer call() {
        if (resume != null) {
            return resume();
        }
        return RunDriver.start(config.load(options.flags()), config.inputs(), options.overwrite, Emulator::run);
    }

    private Integer resume() {
        if (!config.sets.isEmpty() || config.configFile != null || !options.given().isEmpty()) {
            throw new UserError("--resume " + resume + " continues with the configuration saved in "
                    + resume.resolve(RunWriter.RUN_CONF) + ": give no other run option");
        }
        Path conf = resume.resolve(RunWriter.RUN_CONF);
        if (!Files.isRegularFile(conf)) {
            throw new UserError("--resume " + resume + ": no " + RunWriter.RUN_CONF + " there; expected "
                    + "the directory of a run that was interrupted");
        }
        if (!Files.exists(resume.resolve(RunWriter.INCOMPLETE))) {
            throw new UserError("--resume " + resume + ": that run is complete; nothing to resume");
        }
        Config saved = com.typesafe.config.ConfigFactory.parseFile(conf.toFile());
        String code = saved.hasPath("fedsllm-run.code") ? saved.getString("fedsllm-run.code") : "(none)";
        String now = CodeFingerprint.of();
        if (!code.equals(now)) {
            throw new UserError("--resume " + resume + ": the run was started by other code (jar "
                    + "SHA-256 " + code + ", this one " + now + "); resume it with the jar that started it");
        }
        Config c = saved.withoutPath("fedsllm-run").withFallback(com.typesafe.config.ConfigFactory.defaultReference());
        Scenario sc = Scenario.of(c);
        String hash = saved.hasPath("fedsllm-run.scenario-sha256") ? saved.getString("fedsllm-run.scenario-sha256") : null;
        String nowHash = sc.text() == null ? null : RunDriver.sha256(sc.text());
        if (!Objects.equals(hash, nowHash)) {
            throw new UserError("--resume " + resume + ": the scenario file " + sc.file() + " changed "
                    + "since the run started (SHA-256 " + hash + ", now " + nowHash + "); restore it to resume the run");
        }
        Checkpoints.Loaded from = Checkpoints.latest(resume);
        try (RunWriter writer = RunDriver.resumingWriter(resume, from, c)) {
            return RunDriver.execute(c, writer, (cc, sink, progress) -> Emulator.resume(cc, sink, progress, from.files()));
        }
    }
}
