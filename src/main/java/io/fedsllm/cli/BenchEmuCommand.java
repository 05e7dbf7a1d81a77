package io.fedsllm.cli;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuBenchSettings;
import io.fedsllm.emu.Emulator;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fedsllm bench emu}: wall time and message throughput of analytic emulator runs (emu.bench.cases). */
@Command(name = "emu", mixinStandardHelpOptions = true,
        description = "Time analytic emulator runs of the sizes in emu.bench.cases (K/R/I/planner): wall seconds and messages/s.")
public final class BenchEmuCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        EmuBenchSettings settings = EmuBenchSettings.from(ConfigReader.root(config.load()));
        var out = spec.commandLine().getOut();
        for (EmuBenchSettings.Case c : settings.cases()) {
            RunResult r = Emulator.run(config.load(c.overrides().toArray(String[]::new)), RunSink.NONE);
            out.println(String.format(Locale.ROOT,
                    "N=%d K=%d R=%d I=%d planner=%s: %.2f s wall, %d messages, %.0f messages/s, %.1f virtual s, "
                            + "max heap %d MiB, peak heap used %d MiB",
                    c.devices(), c.clients(), c.rounds(), c.localIterations(), c.planner(), r.wallSeconds(), r.messages(),
                    r.messages() / r.wallSeconds(), r.virtualSeconds(), Runtime.getRuntime().maxMemory() >> 20,
                    peakHeapMiB()));
            out.flush();
        }
        return 0;
    }

    /** The heap's peak use so far, MiB: the sum of the heap pools' peaks (reset after each case). */
    private static long peakHeapMiB() {
        long bytes = 0;
        for (java.lang.management.MemoryPoolMXBean p : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == java.lang.management.MemoryType.HEAP) {
                bytes += p.getPeakUsage().getUsed();
                p.resetPeakUsage();
            }
        }
        return bytes >> 20;
    }
}
