package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.net.Deployment;
import io.fedsllm.plan.RoundPlanner;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioContext;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The coordinator alone, with probes as the role guardians and the parties (every message serialised): it finds the
 * guardians through the Receptionist and enrols them, wires the parties, plans round 0, rejects bad or
 * virtual-time-less reports with a logged reason without corrupting the round, records the round from the genuine
 * reports, and collects every party's totals at the end.
 */
class CoordinatorProtocolTest {
    static final ActorTestKit KIT = ActorTestKit.create("coordinator-protocol",
            EmulatorTest.SERIALIZE.withFallback(io.fedsllm.config.ConfigLoader.withSets()).withFallback(ConfigFactory.defaultReference()));

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void enrolsPlansRecordsAndRejectsBadReports() {
        Config c = Kits.parse(Kits.render(Emulator.experiment(EmulatorTest.config("system.clients=2", "emu.rounds=1"))));
        TestProbe<Recorder.Command> recorder = KIT.createTestProbe(Recorder.Command.class);
        TestProbe<MainServer.Command> main = KIT.createTestProbe(MainServer.Command.class);
        TestProbe<FedServer.Command> fed = KIT.createTestProbe(FedServer.Command.class);
        List<TestProbe<Client.Command>> clients = List.of(KIT.createTestProbe(Client.Command.class),
                KIT.createTestProbe(Client.Command.class));
        TestProbe<RoleGuardian.Command> guardian = KIT.createTestProbe(RoleGuardian.Command.class);
        for (RoleGuardian.Role role : RoleGuardian.Role.values()) {
            KIT.system().receptionist().tell(Receptionist.register(RoleGuardian.key(role), guardian.ref()));
        }
        ActorRef<Coordinator.Command> coordinator = KIT.spawn(Coordinator.create(Coordinator.Kit.of(c,
                RoundPlanner.create(c, Deployment.from(c)), io.fedsllm.population.Population.from(c, Deployment.from(c)),
                Scenario.none(ScenarioContext.from(c)), recorder.ref(), null, null)));
        RoleGuardian.Enroll enroll = (RoleGuardian.Enroll) guardian.receiveMessage(Duration.ofSeconds(10));
        assertEquals(Kits.render(c), enroll.experiment(), "the nodes get the experiment's configuration");
        coordinator.tell(new Coordinator.MainServerEnrolled(main.ref()));
        coordinator.tell(new Coordinator.FedServerEnrolled(fed.ref()));
        coordinator.tell(new Coordinator.ClientsEnrolled(List.of(0, 1), clients.stream().map(TestProbe::ref).toList(), null));
        main.expectMessageClass(MainServer.Peers.class);
        MainServer.Configure plan = main.expectMessageClass(MainServer.Configure.class);
        assertEquals(List.of(0, 1), plan.participants());
        fed.expectMessageClass(FedServer.Peers.class);
        fed.expectMessageClass(FedServer.Configure.class);
        for (TestProbe<Client.Command> p : clients) {
            p.expectMessageClass(Client.Peers.class);
            assertEquals(plan.splitLayer(), p.expectMessageClass(Client.StartRound.class).splitLayer());
        }
        int split = plan.splitLayer();
        int layers = 12;
        List<Integer> serverBlocks = Blocks.range(split, layers);
        List<Integer> clientBlocks = Blocks.range(0, split);
        int bad = 0;
        Probes.expectRejected(KIT, "coordinator", "is not a virtual time", 2, () -> {
            coordinator.tell(new Coordinator.ServerReady(0, serverBlocks, Double.NaN));
            coordinator.tell(new Coordinator.ClientReport(0, 0, 0, 1, 1, 1, 1, 20, 0, Double.NEGATIVE_INFINITY, null, List.of()));
        });
        bad += 2;
        Probes.expectRejected(KIT, "coordinator", "unexpected", 3, () -> {
            coordinator.tell(new Coordinator.ServerReady(4, serverBlocks, 0.0));                         // wrong round
            coordinator.tell(new Coordinator.ClientReport(0, 7, 7, 1, 1, 1, 1, 20, 0, 5.0, null, List.of()));          // unknown client
            coordinator.tell(new Coordinator.Aggregated(3, 6.0, List.of(0, 1), List.of(0.5, 0.5), 50, 1, null, List.of()));
        });
        bad += 3;
        coordinator.tell(new Coordinator.ServerReady(0, serverBlocks, 0.0));
        coordinator.tell(new Coordinator.FedReady(0, clientBlocks, 0, 0.0));
        coordinator.tell(new Coordinator.IterationProgress(0, 19, 4.0));
        coordinator.tell(new Coordinator.IterationsDone(0, 5.0, 1, 1, 2, 1, 1000, 0, null, null, List.of(0.0), List.of()));
        coordinator.tell(new Coordinator.ClientReport(0, 0, 0, 1, 2, 1, 0.5, 20, 0, 5.0, null, List.of()));
        coordinator.tell(new Coordinator.ClientReport(0, 1, 1, 1, 3, 1, 0.75, 20, 0, 5.0, null, List.of()));
        Probes.expectRejected(KIT, "coordinator", "unexpected report of client 1", 1,
                () -> coordinator.tell(new Coordinator.ClientReport(0, 1, 1, 1, 3, 1, 0.75, 20, 0, 5.0, null, List.of())));
        bad += 1;
        assertTrue(fed.receiveMessage() instanceof FedServer.UploadsDue, "uploads are due once the iterations are over");
        coordinator.tell(new Coordinator.Aggregated(0, 6.0, List.of(0, 1), List.of(0.25, 0.75), 50, 1, null, List.of()));
        Recorder.Round round = (Recorder.Round) recorder.fishForMessage(Duration.ofSeconds(10), "the round's record",
                m -> m instanceof Recorder.Round ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
        RoundRecord r = round.record();
        assertEquals(6.0, r.virtualEndS(), "the round ends at the aggregation");
        assertEquals(List.of(0.25, 0.75), r.clients().stream().map(RoundRecord.ClientRound::fedWeight).toList());
        assertEquals(1, r.slowestClient(), "client 1 was busy longest");
        assertEquals(1.0, r.breakdown().t3S(), "the LoRA phase from the iterations' end to the aggregation");
        // The end of a round: every party gives its state for the checkpoint, which goes to the recorder.
        main.expectMessageClass(MainServer.Snapshot.class).replyTo().tell(new Coordinator.PartyState(MainServer.ROLE, -1,
                new byte[] {1}));
        fed.expectMessageClass(FedServer.Snapshot.class).replyTo().tell(new Coordinator.PartyState(FedServer.ROLE, -1,
                new byte[] {2}));
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).expectMessageClass(Client.Snapshot.class).replyTo().tell(new Coordinator.PartyState(Client.ROLE,
                    i, new byte[] {(byte) (3 + i)}));
        }
        Recorder.Checkpoint cp = (Recorder.Checkpoint) recorder.fishForMessage(Duration.ofSeconds(10), "the checkpoint",
                m -> m instanceof Recorder.Checkpoint ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
        assertEquals(0, cp.round());
        assertEquals(java.util.Set.of(CoordinatorState.FILE, CoordinatorState.PARTIES), cp.files().keySet());
        assertEquals(java.util.Set.of("main-server", "fed-server", "client-0", "client-1"),
                Saved.cbor(cp.files().get(CoordinatorState.PARTIES), CoordinatorState.Parties.class).states().keySet());
        CoordinatorState state = Saved.cbor(cp.files().get(CoordinatorState.FILE), CoordinatorState.class);
        assertEquals("rounds", state.stop(), "the checkpoint of the last round says the run ends there");
        assertEquals(List.of(r), state.records());
        // Rounds limit reached: every party is asked for its totals.
        MainServer.Stop stop = main.expectMessageClass(MainServer.Stop.class);
        stop.replyTo().tell(new Coordinator.PartyStopped(new PartyAudit.PartyStats(MainServer.ROLE, -1, 40, 0, List.of())));
        fed.expectMessageClass(FedServer.Stop.class).replyTo()
                .tell(new Coordinator.PartyStopped(new PartyAudit.PartyStats(FedServer.ROLE, -1, 5, 1, List.of())));
        for (TestProbe<Client.Command> p : clients) {
            p.expectMessageClass(Client.Stop.class).replyTo()
                    .tell(new Coordinator.PartyStopped(new PartyAudit.PartyStats(Client.ROLE, 0, 50, 0, List.of())));
        }
        RunResult result = ((Recorder.Finished) recorder.fishForMessage(Duration.ofSeconds(10), "the outcome",
                m -> m instanceof Recorder.Finished ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore())
                .get(0)).result();
        assertEquals("rounds", result.stopReason());
        assertEquals(1 + bad, result.rejected(), "the coordinator's own rejections plus the federated server's one");
        assertTrue(result.messages() > 40 + 5 + 100, "every party's messages are counted: " + result.messages());
    }
}
