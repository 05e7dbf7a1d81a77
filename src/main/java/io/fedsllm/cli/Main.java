package io.fedsllm.cli;

import io.fedsllm.config.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code java -jar target/fedsllm.jar}: one subcommand per job. */
@Command(name = "fedsllm", mixinStandardHelpOptions = true, version = "fedsllm 0.1.0",
        description = "Emulator of federated split LoRA fine-tuning of LLMs over wireless FDMA links.",
        subcommands = {
            CommandLine.HelpCommand.class,
            RunCommand.class,
            ReportCommand.class,
            PlanCommand.class,
            SweepCommand.class,
            BenchCommand.class,
            DataCommand.class,
            PretrainCommand.class,
            TrainCommand.class,
            ScenarioCommand.class,
            NodeCommand.class,
        })
public final class Main implements Runnable {

    /** Exit code for errors the user caused (bad config, flags, files). */
    public static final int USER_ERROR = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        // DJL must never reach for the network: natives come from the pytorch-native-cpu jar on the classpath.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        CommandLine cl = new CommandLine(new Main());
        // Every number a flag takes must be finite: picocli alone would accept NaN and Infinity for a Double.
        cl.registerConverter(Double.class, Main::finite);
        cl.registerConverter(Double.TYPE, Main::finite);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError) {
                cmd.getErr().println("error: " + ex.getMessage());
                return USER_ERROR;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /** A flag's number: parsed as Java does, but NaN and the infinities are rejected ("--target-loss NaN: ..."). */
    static Double finite(String text) {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a number; expected e.g. 2.5 or 1e-3");
        }
        if (!Double.isFinite(v)) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a finite number; expected e.g. 2.5 or 1e-3");
        }
        return v;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
