package io.fedsllm.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.emu.Emulator;
import io.fedsllm.results.RunResult;
import io.fedsllm.report.ConsoleProgress;
import io.fedsllm.report.RunWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run}: one emulated experiment; outputs in the --out directory (see README "Emulator"). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the actor emulator: K clients, a main server and a federated server on a virtual clock.")
public final class RunCommand implements Callable<Integer> {

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

    @Option(names = "--out", description = "output directory (default: emu.out-dir)")
    Path out;

    @Override
    public Integer call() {
        List<String> sets = new ArrayList<>();
        if (scheme != null) {
            sets.add("emu.scheme=" + scheme);
        }
        if (mode != null) {
            sets.add("emu.mode=" + mode);
        }
        if (clients != null) {
            sets.add("system.clients=" + clients);
        }
        if (rounds != null) {
            sets.add("emu.rounds=" + rounds);
        }
        if (targetLoss != null) {
            sets.add("emu.target-loss=" + targetLoss);
        }
        if (seed != null) {
            sets.add("seed=" + seed);
        }
        Config c = config.load(sets.toArray(new String[0]));
        if (out != null) {
            // As a value, not spliced into HOCON text: any path (spaces, quotes, backslashes) stays as given.
            c = c.withValue("fedsllm.emu.out-dir", ConfigValueFactory.fromAnyRef(out.toString()));
        }
        ConfigReader root = ConfigReader.root(c);
        EmuSettings emu = EmuSettings.from(root);
        Path dir = Path.of(emu.outDir());
        RunResult result;
        try (RunWriter writer = new RunWriter(dir, emu.progress() ? ConsoleProgress.stderr(root) : null, emu.rounds(),
                ChartSettings.from(root))) {
            result = Emulator.run(c, writer);
            writer.finish(result, root.getLong("seed"), emu.targetLoss());
        }
        System.out.printf(java.util.Locale.ROOT, "%s %s, %d clients: %d rounds (%s), virtual %.3f s, wall %.2f s, "
                + "%d messages (%.0f messages/s); outputs in %s%n", result.scheme(), result.mode(), result.clients(),
                result.rounds().size(), result.stopReason(), result.virtualSeconds(), result.wallSeconds(),
                result.messages(), result.messages() / result.wallSeconds(), dir);
        return 0;
    }
}
