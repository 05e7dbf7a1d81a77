package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.cluster.Courier;
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
 * clients guardian stops while the coordinator waits for its clients' states at the end of a round; a clients node
 * started again brings its clients back at the next round start; messages the courier could not deliver drop a client
 * whose node cannot be reached, are a dead letter for a target gone from a live node, and end the run otherwise.
 */
class NodeLossTest {
    static final Config CONFIG = EmulatorTest.SERIALIZE.withFallback(io.fedsllm.config.ConfigLoader.withSets())
            .withFallback(ConfigFactory.defaultReference());
    static final ActorTestKit KIT = ActorTestKit.create("node-loss", CONFIG);

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private static <T> T fish(TestProbe<? super T> probe, Class<T> type) {
        return type.cast(probe.fishForMessage(Duration.ofSeconds(10), type.getSimpleName(), m -> type.isInstance(m)
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0));
    }

    /** The coordinator of an analytic experiment of {@code sets}, whose recorder is {@code recorder}. */
    private static ActorRef<Coordinator.Command> coordinator(ActorTestKit kit, TestProbe<Recorder.Command> recorder,
            String... sets) {
        Config c = Kits.parse(Kits.render(Emulator.experiment(EmulatorTest.config(sets))));
        return kit.spawn(Coordinator.create(Coordinator.Kit.of(c, RoundPlanner.create(c, Deployment.from(c)),
                io.fedsllm.population.Population.from(c, Deployment.from(c)),
                io.fedsllm.scenario.Scenario.none(io.fedsllm.scenario.ScenarioContext.from(c)), recorder.ref(), null, null)));
    }

    /** A guardian probe of {@code role}, registered with {@code kit}'s Receptionist (the coordinator finds and enrols it). */
    private static TestProbe<RoleGuardian.Command> guardian(ActorTestKit kit, RoleGuardian.Role role) {
        TestProbe<RoleGuardian.Command> g = kit.createTestProbe(RoleGuardian.Command.class);
        kit.system().receptionist().tell(Receptionist.register(RoleGuardian.key(role), g.ref()));
        return g;
    }

    /**
     * A coordinator of {@code sets} whose guardians are probes registered with {@code kit}'s Receptionist: a main-server
     * guardian, a fed-server guardian and one clients guardian; each is enrolled and answers with probe parties (the
     * clients guardian with {@code clients} clients, ids 0..clients-1).
     */
    private record Enrolled(ActorRef<Coordinator.Command> coordinator, TestProbe<Recorder.Command> recorder,
            TestProbe<MainServer.Command> main, TestProbe<FedServer.Command> fed, List<TestProbe<Client.Command>> clients,
            TestProbe<RoleGuardian.Command> mainGuardian, TestProbe<RoleGuardian.Command> fedGuardian,
            TestProbe<RoleGuardian.Command> clientsGuardian) {

        static Enrolled of(ActorTestKit kit, int clients, String... sets) {
            TestProbe<Recorder.Command> recorder = kit.createTestProbe(Recorder.Command.class);
            TestProbe<MainServer.Command> main = kit.createTestProbe(MainServer.Command.class);
            TestProbe<FedServer.Command> fed = kit.createTestProbe(FedServer.Command.class);
            List<TestProbe<Client.Command>> probes = java.util.stream.IntStream.range(0, clients)
                    .mapToObj(c -> kit.createTestProbe(Client.Command.class)).toList();
            TestProbe<RoleGuardian.Command> mainGuardian = guardian(kit, RoleGuardian.Role.MAIN_SERVER);
            TestProbe<RoleGuardian.Command> fedGuardian = guardian(kit, RoleGuardian.Role.FED_SERVER);
            TestProbe<RoleGuardian.Command> clientsGuardian = guardian(kit, RoleGuardian.Role.CLIENTS);
            ActorRef<Coordinator.Command> coordinator = NodeLossTest.coordinator(kit, recorder, sets);
            mainGuardian.expectMessageClass(RoleGuardian.Enroll.class);
            fedGuardian.expectMessageClass(RoleGuardian.Enroll.class);
            clientsGuardian.expectMessageClass(RoleGuardian.Enroll.class);
            coordinator.tell(new Coordinator.MainServerEnrolled(main.ref()));
            coordinator.tell(new Coordinator.FedServerEnrolled(fed.ref()));
            coordinator.tell(new Coordinator.ClientsEnrolled(java.util.stream.IntStream.range(0, clients).boxed().toList(),
                    probes.stream().map(TestProbe::ref).toList(), clientsGuardian.ref()));
            return new Enrolled(coordinator, recorder, main, fed, probes, mainGuardian, fedGuardian, clientsGuardian);
        }
    }

    /** The round's plan reached both servers: its split. */
    private static int configured(TestProbe<MainServer.Command> main, TestProbe<FedServer.Command> fed) {
        fish(fed, FedServer.Configure.class);
        return fish(main, MainServer.Configure.class).splitLayer();
    }

    /**
     * Round {@code round} (planned at split {@code split}): the servers' reports and those of {@code reporting} clients
     * (ids); what the recorder gets of the round.
     */
    private static Recorder.Round completeRound(ActorRef<Coordinator.Command> coordinator, int round,
            int split, TestProbe<FedServer.Command> fed, TestProbe<Recorder.Command> recorder, List<Integer> reporting) {
        double t = 10.0 * round;
        coordinator.tell(new Coordinator.ServerReady(round, Blocks.range(split, 12), t));
        coordinator.tell(new Coordinator.FedReady(round, Blocks.range(0, split), round, t));
        coordinator.tell(new Coordinator.IterationsDone(round, t + 5, 1, 1, 2, 1, 1000, 0, null, null, List.of(t), List.of()));
        for (int c : reporting) {
            coordinator.tell(new Coordinator.ClientReport(round, c, c, 1, 2, 1, 0.5, 20, 0, t + 5, null, List.of()));
        }
        fish(fed, FedServer.UploadsDue.class);
        coordinator.tell(new Coordinator.Aggregated(round, t + 6, reporting, reporting.stream().map(c -> 1.0 / reporting.size())
                .toList(), 50, round + 1, null, List.of()));
        return fish(recorder, Recorder.Round.class);
    }

    @Test
    void aClientsNodeStartedAgainBringsItsClientsBackAtTheNextRoundStart() {
        ActorTestKit kit = ActorTestKit.create("node-return", CONFIG);   // its own Receptionist
        try {
            TestProbe<Recorder.Command> recorder = kit.createTestProbe(Recorder.Command.class);
            TestProbe<MainServer.Command> main = kit.createTestProbe(MainServer.Command.class);
            TestProbe<FedServer.Command> fed = kit.createTestProbe(FedServer.Command.class);
            TestProbe<Client.Command> client0 = kit.createTestProbe(Client.Command.class);
            TestProbe<Client.Command> client1 = kit.createTestProbe(Client.Command.class);
            TestProbe<RoleGuardian.Command> mainGuardian = guardian(kit, RoleGuardian.Role.MAIN_SERVER);
            TestProbe<RoleGuardian.Command> fedGuardian = guardian(kit, RoleGuardian.Role.FED_SERVER);
            TestProbe<RoleGuardian.Command> nodeA = guardian(kit, RoleGuardian.Role.CLIENTS);
            TestProbe<RoleGuardian.Command> nodeB = guardian(kit, RoleGuardian.Role.CLIENTS);
            ActorRef<Coordinator.Command> coordinator = coordinator(kit, recorder, "system.clients=2", "emu.rounds=3",
                    "emu.checkpoints=false");
            mainGuardian.expectMessageClass(RoleGuardian.Enroll.class);
            fedGuardian.expectMessageClass(RoleGuardian.Enroll.class);
            nodeA.expectMessageClass(RoleGuardian.Enroll.class);
            nodeB.expectMessageClass(RoleGuardian.Enroll.class);
            coordinator.tell(new Coordinator.MainServerEnrolled(main.ref()));
            coordinator.tell(new Coordinator.FedServerEnrolled(fed.ref()));
            coordinator.tell(new Coordinator.ClientsEnrolled(List.of(0), List.of(client0.ref()), nodeA.ref()));
            coordinator.tell(new Coordinator.ClientsEnrolled(List.of(1), List.of(client1.ref()), nodeB.ref()));

            // Round 0: node B goes in the middle of it; the same node is started again (a new guardian) and enrolled.
            fish(client1, Client.StartRound.class);
            int split = configured(main, fed);
            nodeB.stop();
            assertEquals(new MainServer.ClientLost(1), fish(main, MainServer.ClientLost.class));
            TestProbe<RoleGuardian.Command> nodeBAgain = guardian(kit, RoleGuardian.Role.CLIENTS);
            RoleGuardian.Enroll enroll = fish(nodeBAgain, RoleGuardian.Enroll.class);
            TestProbe<Client.Command> client1Again = kit.createTestProbe(Client.Command.class);
            enroll.coordinator().tell(new Coordinator.ClientsEnrolled(List.of(1), List.of(client1Again.ref()), nodeBAgain.ref()));
            io.fedsllm.results.RoundRecord r0 = completeRound(coordinator, 0, split, fed, recorder, List.of(0)).record();
            assertEquals(List.of(1), r0.dropped());

            // Round 1: client 1 is back (the servers wired to its new actor first), planned, with the round's plan.
            assertEquals(new MainServer.ClientBack(1, client1Again.ref()), fish(main, MainServer.ClientBack.class));
            assertEquals(new FedServer.ClientBack(1, client1Again.ref()), fish(fed, FedServer.ClientBack.class));
            assertEquals(main.ref(), fish(client1Again, Client.Peers.class).mainServer());
            split = configured(main, fed);
            assertEquals(1, fish(client1Again, Client.StartRound.class).round());
            client1.expectNoMessage(Duration.ofMillis(100));
            Recorder.Round round1 = completeRound(coordinator, 1, split, fed, recorder, List.of(0, 1));
            assertEquals(List.of(), round1.record().dropped());
            assertEquals(2, round1.record().participants());
            List<io.fedsllm.results.EventRecord> back = round1.details().events().stream()
                    .filter(e -> e.type().equals("node-rejoined")).toList();
            assertEquals(1, back.size(), round1.details().events().toString());
            assertEquals(List.of(1), back.get(0).clients());

            completeRound(coordinator, 2, configured(main, fed), fed, recorder, List.of(0, 1));
            fish(main, MainServer.Stop.class).replyTo().tell(new Coordinator.PartyStopped(
                    new PartyAudit.PartyStats(MainServer.ROLE, -1, 10, 0, List.of())));
            fish(fed, FedServer.Stop.class).replyTo().tell(new Coordinator.PartyStopped(
                    new PartyAudit.PartyStats(FedServer.ROLE, -1, 5, 0, List.of())));
            for (TestProbe<Client.Command> c : List.of(client0, client1Again)) {
                fish(c, Client.Stop.class).replyTo().tell(new Coordinator.PartyStopped(
                        new PartyAudit.PartyStats(Client.ROLE, 0, 5, 0, List.of())));
            }
            RunResult result = fish(recorder, Recorder.Finished.class).result();
            assertEquals("rounds", result.stopReason());
            assertEquals(Set.of(1), result.clientFailures().keySet());
            assertTrue(result.clientFailures().get(1).matches("its node " + java.util.regex.Pattern.quote(
                    nodeB.ref().path().address().toString()) + " left the cluster .*; back from round 1 \\(its clients node "
                    + "started again: .*\\)"), result.clientFailures().get(1));
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void undeliveredMessagesDropAClientOfAnUnreachableNodeAreDeadLettersForAGoneTargetAndEndTheRunOtherwise() {
        ActorTestKit kit = ActorTestKit.create("node-return", CONFIG);   // its own Receptionist
        try {
            Enrolled run = Enrolled.of(kit, 2, "system.clients=2", "emu.rounds=3");
            ActorRef<Coordinator.Command> coordinator = run.coordinator();
            TestProbe<Recorder.Command> recorder = run.recorder();
            TestProbe<MainServer.Command> main = run.main();
            TestProbe<Client.Command> client0 = run.clients().get(0);
            TestProbe<Client.Command> client1 = run.clients().get(1);
            fish(client1, Client.StartRound.class);
            fish(main, MainServer.Configure.class);

            // A target gone from a node that is there: a dead letter (its guardian reports the stop), nothing happens.
            coordinator.tell(new Coordinator.Undelivered("Client.Gradients", client0.ref(), Courier.Cause.TARGET,
                    "its target does not exist or has stopped"));
            main.expectNoMessage(Duration.ofMillis(300));
            // A client's node cannot be reached: its live clients (0 and 1, both on node A) are lost with the reason.
            coordinator.tell(new Coordinator.Undelivered("Client.Gradients", client1.ref(), Courier.Cause.NODE,
                    "the connection to node X broke"));
            assertEquals(new MainServer.ClientLost(0), fish(main, MainServer.ClientLost.class));
            assertEquals(new MainServer.ClientLost(1), fish(main, MainServer.ClientLost.class));
            // A message that cannot travel ends the run, naming it, its target and why.
            coordinator.tell(new Coordinator.Undelivered("MainServer.Activations", main.ref(), Courier.Cause.MESSAGE,
                    "its 200000 serialized bytes exceed fedsllm.cluster.courier.max-message-size = 65536"));
            Recorder.Failed failed = fish(recorder, Recorder.Failed.class);
            assertEquals("round 0: a MainServer.Activations for " + main.ref().path() + " could not be delivered: its 200000 "
                    + "serialized bytes exceed fedsllm.cluster.courier.max-message-size = 65536", failed.message());
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void aClientsNodeLostDuringTheCheckpointDropsItsClientsWithTheReasonAndTheRunGoesOn() {
        Enrolled run = Enrolled.of(KIT, 2, "system.clients=2", "emu.rounds=2");
        ActorRef<Coordinator.Command> coordinator = run.coordinator();
        TestProbe<Recorder.Command> recorder = run.recorder();
        TestProbe<MainServer.Command> main = run.main();
        TestProbe<FedServer.Command> fed = run.fed();
        List<TestProbe<Client.Command>> clients = run.clients();
        TestProbe<RoleGuardian.Command> clientsGuardian = run.clientsGuardian();

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

    /** The checkpoint at the end of a round: each party gives a state of one byte (main 1, fed 2, client c: 3 + c). */
    private static void giveStates(TestProbe<MainServer.Command> main, TestProbe<FedServer.Command> fed,
            List<TestProbe<Client.Command>> clients) {
        fish(main, MainServer.Snapshot.class).replyTo().tell(new Coordinator.PartyState(MainServer.ROLE, -1, new byte[] {1}));
        fish(fed, FedServer.Snapshot.class).replyTo().tell(new Coordinator.PartyState(FedServer.ROLE, -1, new byte[] {2}));
        for (int c = 0; c < clients.size(); c++) {
            fish(clients.get(c), Client.Snapshot.class).replyTo().tell(new Coordinator.PartyState(Client.ROLE, c,
                    new byte[] {(byte) (3 + c)}));
        }
    }

    /** Parties of a restart: every one gets the state it gave for the checkpoint. */
    private static void restored(TestProbe<MainServer.Command> main, TestProbe<FedServer.Command> fed,
            List<TestProbe<Client.Command>> clients) {
        assertArrayEquals(new byte[] {1}, fish(main, MainServer.Restore.class).state());
        assertArrayEquals(new byte[] {2}, fish(fed, FedServer.Restore.class).state());
        for (int c = 0; c < clients.size(); c++) {
            assertArrayEquals(new byte[] {(byte) (3 + c)}, fish(clients.get(c), Client.Restore.class).state());
        }
    }

    @Test
    void aServerNodeThatGoesIsRestartedFromTheLastCheckpointOnASpareNodeAndItsRoundIsDoneAgain() {
        ActorTestKit kit = ActorTestKit.create("server-node-loss", CONFIG);   // its own Receptionist
        try {
            Enrolled run = Enrolled.of(kit, 2, "system.clients=2", "emu.rounds=3");
            run.clients().forEach(p -> fish(p, Client.StartRound.class));
            Recorder.Round round0 = completeRound(run.coordinator(), 0, configured(run.main(), run.fed()), run.fed(),
                    run.recorder(), List.of(0, 1));
            giveStates(run.main(), run.fed(), run.clients());
            fish(run.recorder(), Recorder.Checkpoint.class);

            // Round 1 is under way when a second main-server node joins: a spare, not enrolled.
            int split = configured(run.main(), run.fed());
            run.clients().forEach(p -> fish(p, Client.StartRound.class));
            TestProbe<RoleGuardian.Command> spare = guardian(kit, RoleGuardian.Role.MAIN_SERVER);
            spare.expectNoMessage(Duration.ofMillis(300));
            // The main server's node goes: the spare hosts it anew, the other guardians host theirs anew.
            run.mainGuardian().stop();
            RoleGuardian.Enroll enroll = fish(spare, RoleGuardian.Enroll.class);
            fish(run.fedGuardian(), RoleGuardian.Reset.class);
            fish(run.clientsGuardian(), RoleGuardian.Reset.class);
            TestProbe<MainServer.Command> main2 = kit.createTestProbe(MainServer.Command.class);
            TestProbe<FedServer.Command> fed2 = kit.createTestProbe(FedServer.Command.class);
            List<TestProbe<Client.Command>> clients2 = List.of(kit.createTestProbe(Client.Command.class),
                    kit.createTestProbe(Client.Command.class));
            enroll.coordinator().tell(new Coordinator.MainServerEnrolled(main2.ref()));
            run.coordinator().tell(new Coordinator.FedServerEnrolled(fed2.ref()));
            run.coordinator().tell(new Coordinator.ClientsEnrolled(List.of(0, 1), clients2.stream().map(TestProbe::ref).toList(),
                    run.clientsGuardian().ref()));
            restored(main2, fed2, clients2);

            // Round 1 again, from its start: the same plan, on the new parties.
            assertEquals(split, configured(main2, fed2));
            clients2.forEach(p -> assertEquals(1, fish(p, Client.StartRound.class).round()));
            Recorder.Round round1 = completeRound(run.coordinator(), 1, split, fed2, run.recorder(), List.of(0, 1));
            assertEquals(1, round1.record().round());
            assertEquals(round0.record().virtualEndS(), round1.record().virtualStartS(), 0.0,
                    "the round is done again from its start");
            List<io.fedsllm.results.EventRecord> restarted = round1.details().events().stream()
                    .filter(e -> e.type().equals("node-restarted")).toList();
            assertEquals(1, restarted.size(), round1.details().events().toString());
            assertTrue(restarted.get(0).effect().contains("the main-server stopped: its node "
                    + run.mainGuardian().ref().path().address() + " left the cluster"), restarted.get(0).effect());
            run.main().expectNoMessage(Duration.ofMillis(100));
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void aServerNodeThatGoesDuringACheckpointWaitsForItsNodeStartedAgainAndItsRoundIsNotRecordedTwice() {
        ActorTestKit kit = ActorTestKit.create("server-node-loss-2", CONFIG);   // its own Receptionist
        try {
            Enrolled run = Enrolled.of(kit, 1, "system.clients=1", "emu.rounds=3");
            fish(run.clients().get(0), Client.StartRound.class);
            completeRound(run.coordinator(), 0, configured(run.main(), run.fed()), run.fed(), run.recorder(), List.of(0));
            giveStates(run.main(), run.fed(), run.clients());
            fish(run.recorder(), Recorder.Checkpoint.class);
            int split = configured(run.main(), run.fed());
            fish(run.clients().get(0), Client.StartRound.class);
            Recorder.Round round1 = completeRound(run.coordinator(), 1, split, run.fed(), run.recorder(), List.of(0));

            // Round 1's record is written; its checkpoint is being taken when the federated server's node goes.
            fish(run.main(), MainServer.Snapshot.class);
            run.fedGuardian().stop();
            fish(run.mainGuardian(), RoleGuardian.Reset.class);
            fish(run.clientsGuardian(), RoleGuardian.Reset.class);
            TestProbe<MainServer.Command> main2 = kit.createTestProbe(MainServer.Command.class);
            TestProbe<FedServer.Command> fed2 = kit.createTestProbe(FedServer.Command.class);
            List<TestProbe<Client.Command>> clients2 = List.of(kit.createTestProbe(Client.Command.class));
            run.coordinator().tell(new Coordinator.MainServerEnrolled(main2.ref()));
            run.coordinator().tell(new Coordinator.ClientsEnrolled(List.of(0), List.of(clients2.get(0).ref()),
                    run.clientsGuardian().ref()));
            main2.expectNoMessage(Duration.ofMillis(300));   // no federated server yet: nothing restored
            // The federated server's node started again: enrolled, every party continues from round 0's checkpoint.
            TestProbe<RoleGuardian.Command> fedAgain = guardian(kit, RoleGuardian.Role.FED_SERVER);
            fish(fedAgain, RoleGuardian.Enroll.class).coordinator().tell(new Coordinator.FedServerEnrolled(fed2.ref()));
            restored(main2, fed2, clients2);

            // Round 1 again: its record, the same, is not written a second time; the next message is its checkpoint.
            assertEquals(split, configured(main2, fed2));
            fish(clients2.get(0), Client.StartRound.class);
            double t = 10.0;
            run.coordinator().tell(new Coordinator.ServerReady(1, Blocks.range(split, 12), t));
            run.coordinator().tell(new Coordinator.FedReady(1, Blocks.range(0, split), 1, t));
            run.coordinator().tell(new Coordinator.IterationsDone(1, t + 5, 1, 1, 2, 1, 1000, 0, null, null, List.of(t),
                    List.of()));
            run.coordinator().tell(new Coordinator.ClientReport(1, 0, 0, 1, 2, 1, 0.5, 20, 0, t + 5, null, List.of()));
            fish(fed2, FedServer.UploadsDue.class);
            run.coordinator().tell(new Coordinator.Aggregated(1, t + 6, List.of(0), List.of(1.0), 50, 2, null, List.of()));
            giveStates(main2, fed2, clients2);
            Recorder.Command next = run.recorder().fishForMessage(Duration.ofSeconds(10), "a round or a checkpoint",
                    m -> m instanceof Recorder.Round || m instanceof Recorder.Checkpoint ? FishingOutcomes.complete()
                            : FishingOutcomes.continueAndIgnore()).get(0);
            assertTrue(next instanceof Recorder.Checkpoint cp && cp.round() == 1, "round 1 is not recorded twice: " + next);
            // Round 2 carries what the coordinator noted of the restart.
            Recorder.Round round2 = completeRound(run.coordinator(), 2, configured(main2, fed2), fed2, run.recorder(),
                    List.of(0));
            assertEquals(round1.record().virtualEndS(), round2.record().virtualStartS(), 0.0);
            assertEquals(1, round2.details().events().stream().filter(e -> e.type().equals("node-restarted")).count(),
                    round2.details().events().toString());
        } finally {
            kit.shutdownTestKit();
        }
    }
}
