package io.fedsllm.cli;

import io.fedsllm.config.ConfigLoader.Flag;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The experiment's options of {@code run}, shared with the coordinator node ({@code node --role coordinator}): each
 * sets a config key, remembered with the flag as typed ({@link FlagOverrides}).
 */
public final class RunOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

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

    /** The config keys these options set (applied after --config and --set). */
    List<Flag> flags() {
        // Values, not spliced into HOCON text: any path (spaces, quotes, backslashes) stays as given.
        return new FlagOverrides(spec).add("--scheme", "emu.scheme", scheme).add("--mode", "emu.mode", mode)
                .add("--clients", "system.clients", clients).add("--rounds", "emu.rounds", rounds)
                .add("--target-loss", "emu.target-loss", targetLoss).add("--seed", "seed", seed)
                .add("--out", "emu.out-dir", out == null ? null : out.toString())
                .add("--scenario", "emu.scenario", scenario == null ? null : scenario.toString()).list();
    }

    /** The names of the options given (empty when none was), e.g. to refuse them where they do not apply. */
    List<String> given() {
        List<String> names = new ArrayList<>();
        for (Flag f : flags()) {
            names.add(f.typed().split(" ", 2)[0]);
        }
        if (overwrite) {
            names.add("--overwrite");
        }
        return names;
    }
}
