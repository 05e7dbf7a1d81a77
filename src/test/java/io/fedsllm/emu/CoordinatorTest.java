package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.net.Deployment;
import io.fedsllm.report.RoundRecord;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The coordinator inside a test kit: a client dying mid-run, and bad reports sent to it. */
@Timeout(120)
class CoordinatorTest {
    static final Config CONFIG = EmulatorTest.config("emu.rounds=3");
    static final ActorTestKit KIT = ActorTestKit.create("coordinator", CONFIG.withFallback(ConfigFactory.defaultReference()));

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private static ActorRef<Coordinator.Command> start(String name, RunSink sink, MessageAudit audit,
            CompletableFuture<RunResult> done) {
        EmuSettings emu = EmuSettings.from(ConfigReader.root(CONFIG));
        Deployment deployment = Deployment.from(CONFIG);
        int[] samples = Emulator.analyticSamples(1, deployment.clients(), emu);
        return KIT.spawn(Coordinator.create(emu, new RoundPlanning(CONFIG, deployment), samples, sink, audit, done), name);
    }

    /** Starts a run that hands the coordinator to {@code afterRound0} once round 0 is recorded; the run's future. */
    private static CompletableFuture<RunResult> runWithHookAfterRound0(String name, MessageAudit audit,
            Consumer<ActorRef<Coordinator.Command>> afterRound0) {
        CompletableFuture<RunResult> done = new CompletableFuture<>();
        // Round 0 may be recorded before spawn returns the reference: the sink waits for it (it was read as null).
        CompletableFuture<ActorRef<Coordinator.Command>> self = new CompletableFuture<>();
        RunSink sink = (record, wall) -> {
            if (record.round() == 0) {
                afterRound0.accept(self.join());
            }
        };
        self.complete(start(name, sink, audit, done));
        return done;
    }

    @Test
    void aClientDyingDuringARoundIsDroppedAndTheRunCompletes() throws Exception {
        // Unscripted death: client 2 stops after round 1 was planned with it.
        RunResult r = runWithHookAfterRound0("death", new MessageAudit(),
                c -> sendToChild(c, "client-2", Client.Crash.INSTANCE)).get(60, TimeUnit.SECONDS);
        assertEquals(3, r.rounds().size());
        RoundRecord r1 = r.rounds().get(1);
        assertEquals(List.of(2), r1.dropped());
        assertTrue(r1.clients().stream().noneMatch(c -> c.client() == 2));
        assertEquals(4, r1.clients().size());
        assertEquals(4, r.rounds().get(2).participants());
        assertEquals(r1.durationS(), r1.breakdown().sumS(), 1e-9 * r1.durationS());
    }

    /** Sends a classic system message (Kill: fails the actor; PoisonPill: stops it) to a child of the coordinator. */
    private static void sendToChild(ActorRef<Coordinator.Command> coordinator, String child, Object message) {
        KIT.system().classicSystem().actorSelection(coordinator.path().child(child))
                .tell(message, org.apache.pekko.actor.ActorRef.noSender());
    }

    /** Starts a run whose sink sends {@code message} to {@code child} after round 0; returns the run's future. */
    private static CompletableFuture<RunResult> runAndSendAfterRound0(String name, String child, Object message) {
        return runWithHookAfterRound0(name, new MessageAudit(), c -> sendToChild(c, child, message));
    }

    @Test
    void aClientThatFailsIsDroppedWithItsCauseKept() throws Exception {
        RunResult r = runAndSendAfterRound0("client-fails", "client-3", org.apache.pekko.actor.Kill.getInstance())
                .get(60, TimeUnit.SECONDS);
        assertEquals(3, r.rounds().size());
        assertEquals(List.of(3), r.rounds().get(1).dropped());
        assertEquals(Set.of(3), r.clientFailures().keySet());
        assertTrue(r.clientFailures().get(3).startsWith("ActorKilledException"), r.clientFailures().toString());
    }

    /** The error a run fails with when {@code child} gets {@code message} after round 0 (60 s guard against a hang). */
    private static Throwable failureAfterSending(String name, String child, Object message) {
        CompletableFuture<RunResult> done = runAndSendAfterRound0(name, child, message);
        return assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(ExecutionException.class, done::get), "the run must not hang").getCause();
    }

    @Test
    void aStoppedFederatedServerFailsTheRunNamingIt() {
        Throwable e = failureAfterSending("fed-stops", FedServer.ROLE, org.apache.pekko.actor.PoisonPill.getInstance());
        assertTrue(e.getMessage().contains("the fed-server stopped unexpectedly in round 1"), e.getMessage());
    }

    @Test
    void aFailedMainServerFailsTheRunWithItsCause() {
        Throwable e = failureAfterSending("main-fails", MainServer.ROLE, org.apache.pekko.actor.Kill.getInstance());
        assertTrue(e.getMessage().contains("the main-server stopped unexpectedly in round 1")
                && e.getMessage().contains("ActorKilledException"), e.getMessage());
        assertTrue(e.getCause() instanceof org.apache.pekko.actor.ActorKilledException, "the cause is kept");
    }

    @Test
    void splitLearningWarnsOnceThatItDoesNotUseTheBcdPlanner() {
        LoggingTestKit.warn("fedsllm.emu.planner = bcd is not used by fedsllm.emu.scheme = sl").withOccurrences(1)
                .expect(KIT.system(), () -> Emulator.run(EmulatorTest.config("emu.rounds=2", "emu.scheme=sl"), RunSink.NONE));
        LoggingTestKit.warn("is not used by").withOccurrences(0).withCheckExcess(true)
                .expect(KIT.system(), () -> Emulator.run(EmulatorTest.config("emu.rounds=1", "emu.scheme=sl",
                        "emu.planner=equal"), RunSink.NONE));
    }

    @Test
    void reportsWithoutAVirtualTimeAreRejectedWithALoggedReason() throws Exception {
        MessageAudit audit = new MessageAudit();
        CompletableFuture<RunResult> done = LoggingTestKit.warn("coordinator rejected")
                .withMessageContains("is not a virtual time").withOccurrences(3)
                .expect(KIT.system(), () -> runWithHookAfterRound0("no-time", audit, c -> {
                    c.tell(new Coordinator.ClientReport(1, 0, 1, 1, 1, 1, 1, 0, Double.NaN, null));
                    c.tell(new Coordinator.ServerReady(1, List.of(1, 2, 3, 4, 5), Double.POSITIVE_INFINITY));
                    c.tell(new Coordinator.Aggregated(1, -2.0, List.of(), List.of(), 0, 0, null));
                }));
        RunResult r = done.get(60, TimeUnit.SECONDS);
        assertEquals(3, audit.rejectedMessages());
        assertEquals(Emulator.run(CONFIG, RunSink.NONE).rounds(), r.rounds(), "the same rounds as a run without them");
    }

    @Test
    void badReportsAreRejectedAndTheRunIsNotCorrupted() throws Exception {
        MessageAudit audit = new MessageAudit();
        RunResult r = runWithHookAfterRound0("bad", audit, c -> {
            c.tell(new Coordinator.ClientReport(7, 0, 1, 1, 1, 1, 1, 0, 1, null));    // wrong round
            c.tell(new Coordinator.ClientReport(1, 42, 1, 1, 1, 1, 1, 0, 1, null));    // unknown client
            c.tell(new Coordinator.IterationsDone(5, 1, 0, 0, 0, 0, 0, 0, null, null)); // wrong round
            c.tell(new Coordinator.Aggregated(9, 1, List.of(), List.of(), 0, 0, null)); // wrong round
        }).get(60, TimeUnit.SECONDS);
        assertEquals(4, audit.rejectedMessages());
        RunResult clean = Emulator.run(CONFIG, RunSink.NONE);
        assertEquals(clean.rounds(), r.rounds(), "the same rounds as a run without bad messages");
    }
}
