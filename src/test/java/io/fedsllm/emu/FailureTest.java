package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import io.fedsllm.train.TrainProgress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Parties that stop or fail: a client is dropped (its cause kept when it failed) and the run completes; a server
 * stopping or failing — also before anyone knows its address — ends the run with its own cause, never a hang or an
 * error of the coordinator's.
 */
@Timeout(120)
class FailureTest {

    private static RunResult run(RoleGuardian.PartyDecorator decorator, String... sets) {
        return Emulator.run(EmulatorTest.config(sets), RunSink.NONE, TrainProgress.NONE, decorator);
    }

    private static String failure(RoleGuardian.PartyDecorator decorator) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(IllegalStateException.class,
                () -> run(decorator, "emu.rounds=3")), "the run must not hang").getMessage();
    }

    @Test
    void aClientDyingDuringARoundIsDroppedAndTheRunCompletes() {
        RunResult r = run(Faults.on(Client.ROLE, 2, m -> m instanceof Client.StartRound s && s.round() == 1,
                Faults.Action.STOP), "emu.rounds=3");
        assertEquals(3, r.rounds().size());
        RoundRecord r1 = r.rounds().get(1);
        assertEquals(List.of(2), r1.dropped());
        assertTrue(r1.clients().stream().noneMatch(c -> c.client() == 2));
        assertEquals(4, r1.clients().size());
        assertEquals(4, r.rounds().get(2).participants());
        assertEquals(r1.durationS(), r1.breakdown().sumS(), 1e-9 * r1.durationS());
        assertEquals(Map.of(), r.clientFailures(), "it stopped without an exception");
    }

    @Test
    void aClientThatFailsIsDroppedWithItsCauseKept() {
        RunResult r = run(Faults.on(Client.ROLE, 3, m -> m instanceof Client.StartRound s && s.round() == 1,
                Faults.Action.FAIL), "emu.rounds=3");
        assertEquals(3, r.rounds().size());
        assertEquals(List.of(3), r.rounds().get(1).dropped());
        assertEquals(Map.of(3, "IllegalStateException: client broke on StartRound"), r.clientFailures());
    }

    @Test
    void aStoppedFederatedServerFailsTheRunNamingIt() {
        String e = failure(Faults.on(FedServer.ROLE, -1, m -> m instanceof FedServer.Configure c && c.round() == 1,
                Faults.Action.STOP));
        assertTrue(e.contains("the fed-server stopped unexpectedly in round 1"), e);
    }

    @Test
    void aFailedMainServerFailsTheRunWithItsCause() {
        String e = failure(Faults.on(MainServer.ROLE, -1, m -> m instanceof MainServer.Configure c && c.round() == 1,
                Faults.Action.FAIL));
        assertTrue(e.contains("the main-server stopped unexpectedly in round 1")
                && e.contains("IllegalStateException: main-server broke on Configure"), e);
    }

    /** Was a race (a failure before the coordinator knew the party ended in a NullPointerException): repeated. */
    @RepeatedTest(5)
    void aMainServerFailingBeforeItIsWiredEndsTheRunWithItsOwnCause() {
        String e = failure(Faults.failAtStart(MainServer.ROLE));
        assertTrue(e.contains("the main-server stopped unexpectedly")
                && e.contains("IllegalStateException: main-server broken at start"), e);
    }

    @Test
    void splitLearningWarnsOnceThatItDoesNotUseTheBcdPlanner() {
        Logger log = (Logger) LoggerFactory.getLogger(Coordinator.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        try {
            run(RoleGuardian.PartyDecorator.NONE, "emu.rounds=2", "emu.scheme=sl");
        } finally {
            log.detachAppender(events);
        }
        long warnings = events.list.stream()
                .filter(e -> e.getFormattedMessage().contains("fedsllm.emu.planner = bcd is not used by fedsllm.emu.scheme = sl"))
                .count();
        assertEquals(1, warnings);
    }
}
