package io.fedsllm.emu;

import io.fedsllm.results.FinalLora;
import io.fedsllm.results.RoundDetails;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Where a run's results reach its outputs: the experiment driver's actor (next to the coordinator, not a party of
 * the modelled system). Round records, the final adapters (real mode), the outcome and failures arrive as messages;
 * it hands records and adapters to the driver's {@link RunSink} (files, console) and completes the driver's result when the run ends. It also bounds the
 * run: when the coordinator sends nothing for {@code silence}, the run fails naming the coordinator.
 */
public final class Recorder {
    private Recorder() {}

    public sealed interface Command extends CborSerializable permits Round, Checkpoint, Progress, FinalAdapters, Finished,
            Failed, Silence {}

    /** A finished round, the wall seconds it took, its events and timeline. */
    public record Round(RoundRecord record, double wallSeconds, RoundDetails details) implements Command {}

    /** The state at the end of a round (file name → bytes), to be kept so that the run can resume from it. */
    public record Checkpoint(int round, @Carries(Carries.Content.PARTY_STATE) java.util.Map<String, byte[]> files)
            implements Command {}

    /** The run is alive: an iteration of a round is done (or the run is starting). */
    public record Progress(int round, int iteration) implements Command {}

    /**
     * Real mode, before {@link Finished}: the LoRA the run ends with (the last round's global client-side copy and
     * the main server's LoRA), for the driver's outputs ({@link RunSink#finalLora}).
     */
    public record FinalAdapters(int round, @Carries(Carries.Content.GLOBAL_LORA) byte[] clientGlobal,
            @Carries(Carries.Content.SERVER_LORA) byte[] server) implements Command {}

    /** The run ended normally. */
    public record Finished(RunResult result) implements Command {}

    /** The run failed; {@code userError}: the user's input caused it (exit 2, no stack trace). */
    public record Failed(String message, boolean userError) implements Command {}

    /** The coordinator said nothing for too long (armed by the recorder itself). */
    record Silence() implements Command {}

    /** Thrown by the driver's wait for a failed run. */
    public static final class RunFailed extends RuntimeException {
        private final boolean userError;

        public RunFailed(String message, boolean userError) {
            super(message);
            this.userError = userError;
        }

        public boolean userError() {
            return userError;
        }
    }

    private static final String TIMER = "silence";

    /**
     * @param sink    sees every round, in order, on this actor's thread
     * @param done    completed with the result, or exceptionally with a {@link RunFailed}
     * @param silence the longest the coordinator may stay silent
     */
    public static Behavior<Command> create(RunSink sink, CompletableFuture<RunResult> done, Duration silence) {
        return Behaviors.withTimers(timers -> {
            timers.startSingleTimer(TIMER, new Silence(), silence);
            return Behaviors.receive(Command.class)
                    .onMessage(Round.class, m -> {
                        timers.startSingleTimer(TIMER, new Silence(), silence);
                        try {
                            sink.round(m.record(), m.wallSeconds(), m.details());
                        } catch (RuntimeException e) {
                            done.completeExceptionally(new IllegalStateException("writing round " + m.record().round()
                                    + " failed: " + RunFailure.describe(e), e));
                            return Behaviors.stopped();
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Checkpoint.class, m -> {
                        timers.startSingleTimer(TIMER, new Silence(), silence);
                        try {
                            sink.checkpoint(m.round(), m.files());
                        } catch (RuntimeException e) {
                            done.completeExceptionally(new IllegalStateException("writing the checkpoint of round "
                                    + m.round() + " failed: " + RunFailure.describe(e), e));
                            return Behaviors.stopped();
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Progress.class, m -> {
                        timers.startSingleTimer(TIMER, new Silence(), silence);
                        return Behaviors.same();
                    })
                    .onMessage(FinalAdapters.class, m -> {
                        try {
                            sink.finalLora(new FinalLora(m.round(), m.clientGlobal(), m.server()));
                        } catch (RuntimeException e) {
                            done.completeExceptionally(new IllegalStateException("writing the final adapters failed: "
                                    + RunFailure.describe(e), e));
                            return Behaviors.stopped();
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Finished.class, m -> {
                        done.complete(m.result());
                        return Behaviors.stopped();
                    })
                    .onMessage(Failed.class, m -> {
                        done.completeExceptionally(new RunFailed(m.message(), m.userError()));
                        return Behaviors.stopped();
                    })
                    .onMessage(Silence.class, m -> {
                        done.completeExceptionally(new RunFailed("the coordinator sent nothing for " + silence
                                + " (5 x fedsllm.emu.party-timeout): the run is stuck", false));
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }
}
