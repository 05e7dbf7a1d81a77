package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import io.fedsllm.train.TrainProgress;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Nothing waits forever: one message lost anywhere (a probe swallows it) ends in a logged reason — a silent client is
 * left out and the run completes, a silent server ends the run with an error naming it and the round — never in a
 * hang. The wait bound is 1 s here ({@code emu.party-timeout}).
 */
@Timeout(120)
class LivenessTest {
    static final String[] SETS = {"emu.rounds=3", "emu.party-timeout=1s"};

    private static RunResult run(RoleGuardian.PartyDecorator decorator) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> Emulator.run(EmulatorTest.config(SETS), RunSink.NONE, TrainProgress.NONE, decorator), "no hang");
    }

    private static String failure(RoleGuardian.PartyDecorator decorator) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(IllegalStateException.class,
                () -> Emulator.run(EmulatorTest.config(SETS), RunSink.NONE, TrainProgress.NONE, decorator)),
                "no hang").getMessage();
    }

    private static RoundRecord.ClientRound client(RoundRecord r, int id) {
        return r.clients().stream().filter(c -> c.client() == id).findFirst().orElseThrow();
    }

    @Test
    void lostActivationsLeaveTheClientOutOfTheRoundAndTheRunCompletes() {
        Predicate<Object> iteration3OfRound1 = m -> m instanceof MainServer.Activations a && a.round() == 1
                && a.client() == 2 && a.iteration() == 3;
        RunResult r = run(Faults.on(MainServer.ROLE, -1, iteration3OfRound1, Faults.Action.SWALLOW));
        assertEquals("rounds", r.stopReason());
        assertEquals(3, r.rounds().size());
        RoundRecord r1 = r.rounds().get(1);
        assertEquals(3, client(r1, 2).iterationsDone(), "it trained iterations 0..2, then was left out of the round");
        assertTrue(client(r1, 2).fedWeight() > 0, "what it trained is averaged");
        assertEquals(20, client(r1, 0).iterationsDone());
        assertEquals(20, client(r.rounds().get(2), 2).iterationsDone(), "it is back in the next round");
    }

    @Test
    void aLostGlobalCopyMakesTheClientWithdrawAndTheRunCompletes() {
        RunResult r = run(Faults.on(Client.ROLE, 2, m -> m instanceof Client.GlobalLora g && g.round() == 1,
                Faults.Action.SWALLOW));
        assertEquals(3, r.rounds().size());
        RoundRecord.ClientRound c = client(r.rounds().get(1), 2);
        assertEquals(0, c.iterationsDone());
        assertEquals(0.0, c.fedWeight(), "it trained nothing: nothing averaged");
        assertEquals(20, client(r.rounds().get(2), 2).iterationsDone());
    }

    @Test
    void lostGradientsLeaveTheIterationOutAndTheRunCompletes() {
        RunResult r = run(Faults.on(Client.ROLE, 1, m -> m instanceof Client.Gradients g && g.round() == 0
                && g.iteration() == 5, Faults.Action.SWALLOW));
        assertEquals(3, r.rounds().size());
        RoundRecord.ClientRound c = client(r.rounds().get(0), 1);
        assertTrue(c.iterationsDone() < 20 && c.iterationsDone() >= 5, "left out from iteration 5: " + c);
    }

    @Test
    void aLostAggregationEndsTheRunNamingTheFederatedServerAndTheRound() {
        String e = failure(Faults.on(Coordinator.ROLE, -1, m -> m instanceof Coordinator.Aggregated a && a.round() == 1,
                Faults.Action.SWALLOW));
        assertTrue(e.contains("round 1: the federated server did not aggregate"), e);
    }

    @Test
    void aLostEndOfIterationsEndsTheRunNamingTheMainServer() {
        String e = failure(Faults.on(Coordinator.ROLE, -1, m -> m instanceof Coordinator.IterationsDone d && d.round() == 0,
                Faults.Action.SWALLOW));
        assertTrue(e.contains("round 0: the main server reported no progress") && e.contains("last iteration 19"), e);
    }

    @Test
    void lostBlocksOfTheSplitEndTheRunNamingTheServerThatWaited() {
        String e = failure(Faults.on(FedServer.ROLE, -1, m -> m instanceof FedServer.ServerBlocks b && b.round() == 0,
                Faults.Action.SWALLOW));
        assertTrue(e.contains("round 0") && e.contains("federated server"), e);
    }
}
