package io.fedsllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fedsllm bench}: wall-clock measurements; one subcommand per subject. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Wall-clock benchmarks (see subcommands).",
        subcommands = {BenchPlannerCommand.class, TrainBenchCommand.class, BenchEmuCommand.class,
                BenchNetCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "bench needs a subcommand, e.g. 'bench planner'");
    }
}
