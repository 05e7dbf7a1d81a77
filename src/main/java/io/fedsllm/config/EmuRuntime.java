package io.fedsllm.config;

import java.time.Duration;

/**
 * How the emulator's actors run on the host ({@code fedsllm.emu}): wall-clock bounds and real-mode threads. None of
 * these changes a virtual time; the intra-op thread counts change real-mode float results bitwise (they decide how
 * PyTorch splits reductions), so they are explicit numbers, never the machine's core count.
 *
 * @param partyTimeout          wall time any party waits for another party's message before it acts (leaves a
 *                              client out, or ends the run naming the silent server)
 * @param computeThreads        real-mode parties computing at once (threads of the compute dispatcher)
 * @param mainServerTorchThreads PyTorch intra-op threads of the main server's steps
 * @param clientTorchThreads    PyTorch intra-op threads of each client's steps
 * @param evaluatorTorchThreads PyTorch intra-op threads of the coordinator's evaluations
 * @param checkpoints           a checkpoint after every global round (what {@code run --resume} continues from)
 * @param checkpointsKept       how many of the newest checkpoints a run directory keeps
 */
public record EmuRuntime(Duration partyTimeout, int computeThreads, int mainServerTorchThreads, int clientTorchThreads,
        int evaluatorTorchThreads, boolean checkpoints, int checkpointsKept) {

    /** Upper bound of every thread count (a typo such as 1000 is rejected rather than oversubscribing the host). */
    public static final int MAX_THREADS = 256;

    public static EmuRuntime from(ConfigReader root) {
        ConfigReader r = root.section("emu");
        ConfigReader torch = r.section("torch-threads");
        return new EmuRuntime(r.durationInRange("party-timeout", Duration.ofMillis(100), Duration.ofDays(7)),
                computeThreads(r), torch.intInRange("main-server", 1, MAX_THREADS),
                torch.intInRange("clients", 1, MAX_THREADS), torch.intInRange("evaluator", 1, MAX_THREADS),
                r.getBoolean("checkpoints"), r.intInRange("checkpoints-kept", 1, 1000));
    }

    /** {@code compute-threads}: a count, or {@code auto} = the processors available to this JVM. */
    private static int computeThreads(ConfigReader r) {
        if (r.config().getValue(r.key("compute-threads")).unwrapped() instanceof String s && s.equals("auto")) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (!(r.config().getValue(r.key("compute-threads")).unwrapped() instanceof Number)) {
            throw r.invalid("compute-threads", "expected auto or a whole number in [1, " + MAX_THREADS + "]");
        }
        return r.intInRange("compute-threads", 1, MAX_THREADS);
    }
}
