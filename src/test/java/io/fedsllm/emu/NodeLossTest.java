package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.net.Deployment;
import io.fedsllm.plan.RoundPlanner;
import io.fedsllm.results.RunResult;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A node that goes as a whole (on a cluster: its JVM died, the split brain resolver downed it) leaves no guardian to
 * report its parties: the coordinator watches the guardians it enrolled. Probes play the guardians and parties; the
 * clients guardian stops while the coordinator waits for its clients' states at the end of a round.
 */
class NodeLossTest {
    static final ActorTestKit KIT = ActorTestKit.create("node-loss",
            EmulatorTest.SERIALIZE.withFallback(io.fedsllm.config.ConfigLoader.withSets()).withFallback(ConfigFactory.defaultReference()));

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private static <T> T fish(TestProbe<? super T> probe, Class<T> type) {
        return type.cast(probe.fishForMessage(Duration.ofSeconds(10), type.getSimpleName(), m -> type.isInstance(m)
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0));
    }

    @Test
    void aClientsNodeLostDuringTheCheckpointDropsItsClientsWithTheReasonAndTheRunGoesOn() {
        Config c = Kits.parse(Kits.render(Emulator.experiment(EmulatorTest.config("system.clients=2", "emu.rounds=2"))));
        TestProbe<Recorder.Command> recorder = KIT.createTestProbe(Recorder.Command.class);
        TestProbe<MainServer.Command> main = KIT.createTestProbe(MainServer.Command.class);
        TestProbe<FedServer.Command> fed = KIT.createTestProbe(FedServer.Command.class);
        List<TestProbe<Client.Command>> clients = List.of(KIT.createTestProbe(Client.Command.class),
                KIT.createTestProbe(Client.Command.class));
        TestProbe<RoleGuardian.Command> mainGuardian = KIT.createTestProbe(RoleGuardian.Command.class);
        TestProbe<RoleGuardian.Command> fedGuardian = KIT.createTestProbe(RoleGuardian.Command.class);
        TestProbe<RoleGuardian.Command> clientsGuardian = KIT.createTestProbe(RoleGuardian.Command.class);
        KIT.system().receptionist().tell(Receptionist.register(RoleGuardian.key(RoleGuardian.Role.MAIN_SERVER), mainGuardian.ref()));
        KIT.system().receptionist().tell(Receptionist.register(RoleGuardian.key(RoleGuardian.Role.FED_SERVER), fedGuardian.ref()));
        KIT.system().receptionist().tell(Receptionist.register(RoleGuardian.key(RoleGuardian.Role.CLIENTS), clientsGuardian.ref()));
        ActorRef<Coordinator.Command> coordinator = KIT.spawn(Coordinator.create(Coordinator.Kit.of(c,
                RoundPlanner.create(c, Deployment.from(c)), io.fedsllm.population.Population.from(c, Deployment.from(c)),
                io.fedsllm.scenario.Scenario.none(io.fedsllm.scenario.ScenarioContext.from(c)), recorder.ref(), null, null)));
        mainGuardian.expectMessageClass(RoleGuardian.Enroll.class);
        fedGuardian.expectMessageClass(RoleGuardian.Enroll.class);
        clientsGuardian.expectMessageClass(RoleGuardian.Enroll.class);
        coordinator.tell(new Coordinator.MainServerEnrolled(main.ref()));
        coordinator.tell(new Coordinator.FedServerEnrolled(fed.ref()));
        coordinator.tell(new Coordinator.ClientsEnrolled(List.of(0, 1), clients.stream().map(TestProbe::ref).toList(),
                clientsGuardian.ref()));

        // Round 0 runs to its end.
        int split = fish(main, MainServer.Configure.class).splitLayer();
        fish(fed, FedServer.Configure.class);
        clients.forEach(p -> fish(p, Client.StartRound.class));
        coordinator.tell(new Coordinator.ServerReady(0, Blocks.range(split, 12), 0.0));
        coordinator.tell(new Coordinator.FedReady(0, Blocks.range(0, split), 0, 0.0));
        coordinator.tell(new Coordinator.IterationsDone(0, 5.0, 1, 1, 2, 1, 1000, 0, null, null, List.of(0.0), List.of()));
        coordinator.tell(new Coordinator.ClientReport(0, 0, 0, 1, 2, 1, 0.5, 20, 0, 5.0, null, List.of()));
        coordinator.tell(new Coordinator.ClientReport(0, 1, 1, 1, 3, 1, 0.75, 20, 0, 5.0, null, List.of()));
        fish(fed, FedServer.UploadsDue.class);
        coordinator.tell(new Coordinator.Aggregated(0, 6.0, List.of(0, 1), List.of(0.5, 0.5), 50, 1, null, List.of()));
        assertEquals(List.of(), fish(recorder, Recorder.Round.class).record().dropped());

        // The checkpoint: every state comes but client 1's, whose node goes.
        fish(main, MainServer.Snapshot.class).replyTo().tell(new Coordinator.PartyState(MainServer.ROLE, -1, new byte[] {1}));
        fish(fed, FedServer.Snapshot.class).replyTo().tell(new Coordinator.PartyState(FedServer.ROLE, -1, new byte[] {2}));
        fish(clients.get(0), Client.Snapshot.class).replyTo().tell(new Coordinator.PartyState(Client.ROLE, 0, new byte[] {3}));
        fish(clients.get(1), Client.Snapshot.class);
        clientsGuardian.stop();

        Recorder.Checkpoint cp = fish(recorder, Recorder.Checkpoint.class);
        assertEquals(Set.of("main-server", "fed-server", "client-0"),
                Saved.cbor(cp.files().get(CoordinatorState.PARTIES), CoordinatorState.Parties.class).states().keySet(),
                "the checkpoint does not wait for the lost client's state");
        assertEquals(List.of(0, 1), Saved.cbor(cp.files().get(CoordinatorState.FILE), CoordinatorState.class).dead());
        assertEquals(new MainServer.ClientLost(0), fish(main, MainServer.ClientLost.class));
        assertEquals(new FedServer.ClientLost(0), fish(fed, FedServer.ClientLost.class));

        // Round 1 has no client left: the run ends and reports why each client went.
        fish(main, MainServer.Stop.class).replyTo().tell(new Coordinator.PartyStopped(
                new PartyAudit.PartyStats(MainServer.ROLE, -1, 10, 0, List.of())));
        fish(fed, FedServer.Stop.class).replyTo().tell(new Coordinator.PartyStopped(
                new PartyAudit.PartyStats(FedServer.ROLE, -1, 5, 0, List.of())));
        RunResult result = fish(recorder, Recorder.Finished.class).result();
        assertEquals("no-clients", result.stopReason());
        assertEquals(Set.of(0, 1), result.clientFailures().keySet());
        for (String why : result.clientFailures().values()) {
            assertTrue(why.startsWith("its node " + clientsGuardian.ref().path().address() + " left the cluster"), why);
        }
    }
}
