package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.EmuSettings.Scheme;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Each actor's protocol in isolation, with probes in place of the other parties (every message serialised, as across
 * JVMs): the happy path with exact virtual times, and bad messages (wrong round, unknown client, wrong size, invalid
 * arrival) rejected without corrupting the round.
 */
class ActorProtocolTest {
    static final ActorTestKit KIT = ActorTestKit.create("protocol", EmulatorTest.SERIALIZE
            .withFallback(ConfigLoader.withSets()).withFallback(ConfigFactory.defaultReference()));
    static final Duration QUIET = Duration.ofMillis(200);
    static final int LAYERS = 6;
    static final double INF = Double.POSITIVE_INFINITY;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    record Parties(List<TestProbe<Client.Command>> clients, TestProbe<FedServer.Command> fed,
            TestProbe<MainServer.Command> main, TestProbe<Coordinator.Command> coordinator) {
        List<ActorRef<Client.Command>> refs() {
            return clients.stream().map(TestProbe::ref).toList();
        }
    }

    static void expectRejected(String who, String reason, int times, Runnable send) {
        Probes.expectRejected(KIT, who, reason, times, send);
    }

    /** An analytic main server set up with the probes as the other parties. */
    static ActorRef<MainServer.Command> mainServer(Parties p) {
        ActorRef<MainServer.Command> server = KIT.spawn(MainServer.create(new MainServer.Kit(LAYERS, ServerCompute.ANALYTIC,
                null, Probes.NO_TIMEOUT, Probes.NO_SCENARIO)));
        server.tell(new MainServer.Peers(p.refs(), p.fed().ref(), p.coordinator().ref()));
        return server;
    }

    /** An analytic federated server set up with the probes as the other parties. */
    static ActorRef<FedServer.Command> fedServer(Parties p) {
        ActorRef<FedServer.Command> fed = KIT.spawn(FedServer.create(new FedServer.Kit(GlobalCopy.ANALYTIC, Probes.NO_TIMEOUT, Probes.NO_SCENARIO)));
        fed.tell(new FedServer.Peers(p.refs(), p.main().ref(), p.coordinator().ref()));
        return fed;
    }

    /** An analytic client (|D_k| = 640) set up with the probes as the other parties. */
    static ActorRef<Client.Command> client(Parties p, int id) {
        ActorRef<Client.Command> c = KIT.spawn(Client.create(new Client.Kit(id, ClientCompute.analytic(640), null,
                Probes.NO_TIMEOUT, Probes.NO_SCENARIO, false)));
        c.tell(new Client.Peers(p.main().ref(), p.fed().ref(), p.coordinator().ref()));
        return c;
    }

    /** A split-federated client plan: forward 0.25 s, backward 0.5 s, rates 1000 / 100 bit/s, 500 / 50 bits. */
    static Client.StartRound plan(int iterations, double computeFactor, double startS) {
        return new Client.StartRound(0, 7, 2, 4, iterations, false, false, 0.25, 0.5, computeFactor, 1000.0, 100.0, null, null, 500, 50,
                startS);
    }

    /** A main-server plan at rank 4, one iteration, forward 0.5 s per batch, 1000 activation bits. */
    static MainServer.Configure serverPlan(int round, Scheme scheme, int split, List<Integer> participants,
            double deadlineS, double startS) {
        return new MainServer.Configure(round, scheme, split, 4, 1, participants, participants, 0, 0.5, 1000, 0.0, deadlineS, 0, List.of(), startS);
    }

    static Parties parties(int clients) {
        List<TestProbe<Client.Command>> c = new java.util.ArrayList<>();
        for (int i = 0; i < clients; i++) {
            c.add(KIT.createTestProbe(Client.Command.class));
        }
        return new Parties(c, KIT.createTestProbe(FedServer.Command.class), KIT.createTestProbe(MainServer.Command.class),
                KIT.createTestProbe(Coordinator.Command.class));
    }

    @Test
    void mainServerStepsInClientIdOrderAtTheBarrierAndRejectsBadMessages() {
        Parties p = parties(3);
        ActorRef<MainServer.Command> server = mainServer(p);
        // Round 0, split 2: the server hands blocks 0, 1 to the federated server's global copy.
        server.tell(serverPlan(0, Scheme.SFL, 2, List.of(0, 2), INF, 10.0));
        FedServer.ServerBlocks moved = p.fed().expectMessageClass(FedServer.ServerBlocks.class);
        assertEquals(List.of(0, 1), moved.blocks());
        Coordinator.ServerReady serverReady = Probes.next(p.coordinator(), Coordinator.ServerReady.class);
        assertEquals(List.of(2, 3, 4, 5), serverReady.serverBlocks());
        assertEquals(10.0, serverReady.arrivalS(), "ready at the round start");
        assertEquals(new Client.StartIteration(0, 0, 10.0), p.clients().get(0).receiveMessage());
        assertEquals(new Client.StartIteration(0, 0, 10.0), p.clients().get(2).receiveMessage());
        p.clients().get(1).expectNoMessage(QUIET);

        server.tell(new MainServer.Activations(1, 0, 0, 1000, null, null, 12.0));        // wrong round
        server.tell(new MainServer.Activations(0, 0, 1, 1000, null, null, 12.0));        // not a participant
        server.tell(new MainServer.Activations(0, 0, 7, 1000, null, null, 12.0));        // unknown client
        server.tell(new MainServer.Activations(0, 0, 0, 999, null, null, 12.0));         // wrong size
        server.tell(new MainServer.Activations(0, 0, 0, 1000, null, null, Double.NaN));  // invalid arrival
        server.tell(new MainServer.Activations(0, 0, 0, 1000, null, null, 9.0));         // before the iteration start
        server.tell(new MainServer.Activations(0, 0, 2, 1000, null, null, 13.0));
        server.tell(new MainServer.Activations(0, 0, 2, 1000, null, null, 13.0));        // duplicate
        p.clients().get(2).expectNoMessage(QUIET);
        server.tell(new MainServer.Activations(0, 0, 0, 1000, null, null, 12.0));
        // Barrier at max(12, 13) = 13; server forward 2 × 0.5 s, backward twice that: gradients at 16.
        assertEquals(new Client.Gradients(0, 0, true, 1000, null, 16.0), p.clients().get(0).receiveMessage());
        assertEquals(new Client.Gradients(0, 0, true, 1000, null, 16.0), p.clients().get(2).receiveMessage());
        assertEquals(new Coordinator.IterationProgress(0, 0, 16.0), p.coordinator().receiveMessage(), "progress per step");
        server.tell(new MainServer.BackwardDone(0, 0, 1, 17.0));                          // not stepped
        server.tell(new MainServer.BackwardDone(0, 0, 0, 17.0));
        server.tell(new MainServer.BackwardDone(0, 0, 2, 18.5));
        assertEquals(new Client.EndLocalTraining(0, 18.5), p.clients().get(0).receiveMessage());
        assertEquals(new Client.EndLocalTraining(0, 18.5), p.clients().get(2).receiveMessage());
        Coordinator.IterationsDone done = Probes.next(p.coordinator(), Coordinator.IterationsDone.class);
        assertEquals(new Coordinator.IterationsDone(0, 18.5, 3.0, 1.0, 2.0, 2.5, 250, 0, null, null, List.of(10.0), List.of()), done);
        assertEquals(8, Probes.rejected(KIT, server));
    }

    @Test
    void mainServerDeadlineLeavesLateActivationsOut() {
        Parties p = parties(2);
        ActorRef<MainServer.Command> server = mainServer(p);
        server.tell(serverPlan(0, Scheme.SFL, 2, List.of(0, 1), 4.0, 0.0));
        Probes.next(p.coordinator(), Coordinator.ServerReady.class);
        p.clients().get(0).expectMessageClass(Client.StartIteration.class);
        p.clients().get(1).expectMessageClass(Client.StartIteration.class);
        server.tell(new MainServer.Activations(0, 0, 1, 1000, null, null, 9.0));   // after the deadline 0 + 4
        server.tell(new MainServer.Activations(0, 0, 0, 1000, null, null, 3.0));
        // The server waits until the deadline (4), steps on client 0 only: 0.5 + 1.0 s.
        assertEquals(new Client.Gradients(0, 0, true, 1000, null, 5.5), p.clients().get(0).receiveMessage());
        assertEquals(new Client.Gradients(0, 0, false, 0, null, 5.5), p.clients().get(1).receiveMessage());
        server.tell(new MainServer.BackwardDone(0, 0, 0, 6.0));
        Coordinator.IterationsDone done = Probes.next(p.coordinator(), Coordinator.IterationsDone.class);
        assertEquals(6.0, done.endS());
        assertEquals(1, done.iterationsLeftOut());
    }

    @Test
    void splitMovesCarryLoraBetweenServerAndGlobalCopyWithNothingLostOrDuplicated() {
        Parties p = parties(1);
        ActorRef<MainServer.Command> main = KIT.spawn(MainServer.create(new MainServer.Kit(LAYERS, ServerCompute.ANALYTIC,
                null, Probes.NO_TIMEOUT, Probes.NO_SCENARIO)));
        ActorRef<FedServer.Command> fed = KIT.spawn(FedServer.create(new FedServer.Kit(GlobalCopy.ANALYTIC,
                Probes.NO_TIMEOUT, Probes.NO_SCENARIO)));
        main.tell(new MainServer.Peers(p.refs(), fed, p.coordinator().ref()));
        fed.tell(new FedServer.Peers(p.refs(), main, p.coordinator().ref()));
        int[] splits = {2, 4, 1, 5, 5, 3};
        for (int round = 0; round < splits.length; round++) {
            int split = splits[round];
            main.tell(serverPlan(round, Scheme.FL, split, List.of(0), INF, round));
            fed.tell(new FedServer.Configure(round, Scheme.FL, split, 4, 1, List.of(0), List.of(0), 200, List.of(), round));
            List<Integer> server = null;
            List<Integer> global = null;
            for (int i = 0; i < 3; i++) {
                Coordinator.Command m = p.coordinator().receiveMessage();
                if (m instanceof Coordinator.ServerReady s) {
                    server = s.serverBlocks();
                } else if (m instanceof Coordinator.FedReady f) {
                    global = f.globalBlocks();
                }
            }
            assertEquals(Blocks.range(split, LAYERS), server, "round " + round);
            assertEquals(Blocks.range(0, split), global, "round " + round);
            assertEquals(null, Ledger.check(server, global, LAYERS));
            Client.GlobalLora g = (Client.GlobalLora) p.clients().get(0).receiveMessage();
            assertEquals(Blocks.range(0, split), g.blocks());
            fed.tell(new FedServer.Upload(round, 0, 100, Blocks.range(0, split), 200, null, round + 0.5));
            p.coordinator().expectMessageClass(Coordinator.Aggregated.class);
        }
        PartyAudit.PartyStats mainStats = Probes.stop(KIT, MainServer.Stop::new, main);
        PartyAudit.PartyStats fedStats = Probes.stop(KIT, FedServer.Stop::new, fed);
        assertEquals(0, mainStats.rejected() + fedStats.rejected());
        assertTrue(mainStats.types().contains(MainServer.AdoptBlocks.class.getName()), "a move down happened");
        assertTrue(fedStats.types().contains(FedServer.ServerBlocks.class.getName()), "a move up happened");
        assertTrue(Ledger.check(List.of(2, 3), List.of(0, 1, 2), 4) != null, "the ledger sees a duplicate");
        assertTrue(Ledger.check(List.of(3), List.of(0, 1), 4) != null, "the ledger sees a loss");
    }

    @Test
    void fedServerAveragesBySampleCountAndRejectsBadUploads() {
        Parties p = parties(3);
        ActorRef<FedServer.Command> fed = fedServer(p);
        fed.tell(new FedServer.Configure(0, Scheme.SFL, 2, 4, 1, List.of(0, 1, 2), List.of(0, 1, 2), 200, List.of(), 1.0));
        p.clients().get(0).expectNoMessage(QUIET);   // the global copy is incomplete until the server's blocks arrive
        fed.tell(new FedServer.ServerBlocks(0, List.of(0, 1), null, 1.0));
        assertEquals(1.0, p.coordinator().expectMessageClass(Coordinator.FedReady.class).arrivalS(), "ready at the round start");
        for (TestProbe<Client.Command> c : p.clients()) {
            assertEquals(List.of(0, 1), ((Client.GlobalLora) c.receiveMessage()).blocks());
        }
        fed.tell(new FedServer.Upload(1, 0, 100, List.of(0, 1), 200, null, 5.0));   // wrong round
        fed.tell(new FedServer.Upload(0, 9, 100, List.of(0, 1), 200, null, 5.0));   // unknown client
        fed.tell(new FedServer.Upload(0, 0, 100, List.of(0), 200, null, 5.0));      // wrong blocks
        fed.tell(new FedServer.Upload(0, 0, 100, List.of(0, 1), 100, null, 5.0));   // wrong size
        fed.tell(new FedServer.Upload(0, 0, 0, List.of(0, 1), 200, null, 5.0));     // no samples
        fed.tell(new FedServer.Upload(0, 0, 100, List.of(0, 1), 200, null, 5.0));
        fed.tell(new FedServer.Upload(0, 0, 100, List.of(0, 1), 200, null, 5.0));   // duplicate
        fed.tell(new FedServer.NoUpload(0, 1, false, 4.0));
        fed.tell(new FedServer.Upload(0, 2, 300, List.of(0, 1), 200, null, 7.0));
        Coordinator.Aggregated a = p.coordinator().expectMessageClass(Coordinator.Aggregated.class);
        assertEquals(List.of(0, 2), a.contributors());
        assertEquals(List.of(0.25, 0.75), a.weights());
        assertEquals(7.0, a.endS());
        assertEquals(50, a.bytesFed());
        PartyAudit.PartyStats stats = Probes.stop(KIT, FedServer.Stop::new, fed);
        assertEquals(6, stats.rejected());
        assertFalse(stats.types().stream().anyMatch(t -> t.contains("Activations")));
        RoleSeparationTest.assertRolesSeparated(Map.of(FedServer.ROLE, Set.copyOf(stats.types())));
    }

    @Test
    void clientRunsForwardAndBackwardOnItsClockAndRejectsBadMessages() {
        Parties p = parties(0);
        ActorRef<Client.Command> client = client(p, 4);
        client.tell(new Client.StartIteration(0, 0, 1.0));  // may overtake the plan: kept
        client.tell(plan(2, 2.0, 1.0));
        client.tell(new Client.GlobalLora(0, 2, List.of(0), 0, null, false, 1.0));  // wrong blocks: rejected
        p.main().expectNoMessage(QUIET);
        client.tell(new Client.GlobalLora(0, 2, List.of(0, 1), 0, null, false, 1.0));
        // Forward 0.25 s × compute factor 2 from 1.0, then 500 bits at 1000 bit/s.
        assertEquals(new MainServer.Activations(0, 0, 4, 500, null, null, 2.0), p.main().receiveMessage());
        client.tell(new Client.Gradients(0, 1, true, 500, null, 3.0));   // wrong iteration
        client.tell(new Client.Gradients(0, 0, true, 400, null, 3.0));   // wrong size
        client.tell(new Client.Gradients(0, 0, true, 500, null, 3.0));
        assertEquals(new MainServer.BackwardDone(0, 0, 4, 4.0), p.main().receiveMessage());
        client.tell(new Client.StartIteration(0, 1, 4.0));
        assertEquals(new MainServer.Activations(0, 1, 4, 500, null, null, 5.0), p.main().receiveMessage());
        client.tell(new Client.Gradients(0, 1, false, 0, null, 6.0));   // left out by the deadline
        client.tell(new Client.EndLocalTraining(0, 6.0));
        FedServer.Upload up = p.fed().expectMessageClass(FedServer.Upload.class);
        assertEquals(new FedServer.Upload(0, 4, 640, List.of(0, 1), 50, null, 6.5), up);
        Coordinator.ClientReport r = p.coordinator().expectMessageClass(Coordinator.ClientReport.class);
        assertEquals(new Coordinator.ClientReport(0, 4, 7, 1.0, 1.0, 1.0, 0.5, 1, 1, 6.0, null, List.of()), r);
        assertEquals(3, Probes.rejectedByClient(KIT, client));
    }

    @Test
    void clientKeepsALaterRoundsEarlyBarrierAndRejectsOneOfARoundItHasDone() {
        Parties p = parties(0);
        ActorRef<Client.Command> client = client(p, 4);
        client.tell(new Client.StartIteration(0, 0, 1.0));                  // the genuine one overtakes the plan
        client.tell(plan(1, 1.0, 1.0));
        client.tell(new Client.GlobalLora(0, 2, List.of(0, 1), 0, null, false, 1.0));
        assertEquals(new MainServer.Activations(0, 0, 4, 500, null, null, 1.75), p.main().receiveMessage());
        client.tell(new Client.Gradients(0, 0, true, 500, null, 3.0));
        p.main().expectMessageClass(MainServer.BackwardDone.class);
        client.tell(new Client.EndLocalTraining(0, 4.0));
        p.fed().expectMessageClass(FedServer.Upload.class);
        p.coordinator().expectMessageClass(Coordinator.ClientReport.class);
        expectRejected("client 4", "StartIteration of round 0 unexpected", 1,
                () -> client.tell(new Client.StartIteration(0, 0, 5.0)));   // a round it has done: not kept
        // Rounds 1 and 2 selected other devices; round 3's barrier overtakes its plan and is kept.
        client.tell(new Client.StartIteration(3, 0, 6.0));
        client.tell(new Client.StartRound(3, 7, 2, 4, 1, false, false, 0.25, 0.5, 1.0, 1000.0, 100.0, null, null, 500, 50, 6.0));
        client.tell(new Client.GlobalLora(3, 2, List.of(0, 1), 0, null, false, 6.0));
        assertEquals(new MainServer.Activations(3, 0, 4, 500, null, null, 6.75), p.main().receiveMessage());
        assertEquals(1, Probes.rejectedByClient(KIT, client));
    }

    @Test
    void mainServerKeepsOnlyTheNextRoundsEarlyBlocksAndAdoptsTheGenuineOnes() {
        Parties p = parties(1);
        ActorRef<MainServer.Command> server = mainServer(p);
        // Round 0 at split 4 (federated-style: no iterations on the server), so round 1 may move blocks 2, 3 down.
        server.tell(serverPlan(0, Scheme.FL, 4, List.of(0), INF, 0.0));
        assertEquals(List.of(0, 1, 2, 3), p.fed().expectMessageClass(FedServer.ServerBlocks.class).blocks());
        p.coordinator().expectMessageClass(Coordinator.ServerReady.class);
        p.coordinator().expectMessageClass(Coordinator.IterationsDone.class);
        expectRejected("main server", "blocks for round 7 unexpected", 1,
                () -> server.tell(new MainServer.AdoptBlocks(7, List.of(2, 3), null, 1.0)));
        server.tell(new MainServer.AdoptBlocks(1, List.of(2, 3), null, 1.0));   // before round 1's Configure: kept
        server.tell(serverPlan(1, Scheme.FL, 2, List.of(0), INF, 1.0));
        assertEquals(new Coordinator.ServerReady(1, List.of(2, 3, 4, 5), 1.0),
                p.coordinator().expectMessageClass(Coordinator.ServerReady.class));
        assertEquals(1, Probes.rejected(KIT, server));
    }

    @Test
    void fedServerKeepsOnlyTheNextRoundsEarlyBlocksAndAdoptsTheGenuineOnes() {
        Parties p = parties(1);
        ActorRef<FedServer.Command> fed = fedServer(p);
        fed.tell(new FedServer.Configure(0, Scheme.SFL, 2, 4, 1, List.of(0), List.of(0), 200, List.of(), 0.0));
        fed.tell(new FedServer.ServerBlocks(0, List.of(0, 1), null, 0.0));
        p.coordinator().expectMessageClass(Coordinator.FedReady.class);
        p.clients().get(0).expectMessageClass(Client.GlobalLora.class);
        fed.tell(new FedServer.Upload(0, 0, 100, List.of(0, 1), 200, null, 1.0));
        p.coordinator().expectMessageClass(Coordinator.Aggregated.class);
        expectRejected("federated server", "server blocks for round 5 unexpected", 1,
                () -> fed.tell(new FedServer.ServerBlocks(5, List.of(2, 3), null, 2.0)));
        fed.tell(new FedServer.ServerBlocks(1, List.of(2, 3), null, 2.0));   // before round 1's Configure: kept
        fed.tell(new FedServer.Configure(1, Scheme.SFL, 4, 4, 1, List.of(0), List.of(0), 400, List.of(), 2.0));
        assertEquals(List.of(0, 1, 2, 3), p.coordinator().expectMessageClass(Coordinator.FedReady.class).globalBlocks());
        assertEquals(List.of(0, 1, 2, 3), ((Client.GlobalLora) p.clients().get(0).receiveMessage()).blocks());
        assertEquals(1, Probes.rejectedByFed(KIT, fed));
    }

    @Test
    void mainServerRejectsAnInvalidConfigureWithoutTouchingItsRoundOrClock() {
        Parties p = parties(1);
        ActorRef<MainServer.Command> server = mainServer(p);
        expectRejected("main server", "split 99 outside 0.." + LAYERS, 1,
                () -> server.tell(serverPlan(0, Scheme.SFL, 99, List.of(0), INF, 100.0)));
        // The same round, valid, is accepted; its clock starts at 10 s, not at the rejected message's 100 s.
        server.tell(serverPlan(0, Scheme.SFL, 2, List.of(0), INF, 10.0));
        Probes.next(p.coordinator(), Coordinator.ServerReady.class);
        assertEquals(new Client.StartIteration(0, 0, 10.0), p.clients().get(0).receiveMessage());
        assertEquals(1, Probes.rejected(KIT, server));
    }

    @Test
    void arrivalTimesThatAreNotVirtualTimesAreRejectedWithALoggedReason() {
        String reason = "is not a virtual time";
        Parties p = parties(1);
        ActorRef<Client.Command> client = client(p, 0);
        expectRejected("client 0", reason, 2, () -> {
            client.tell(plan(1, 1.0, Double.NaN));
            client.tell(new Client.EndLocalTraining(0, -1.0));
        });
        client.tell(plan(1, 1.0, 1.0));
        expectRejected("client 0", reason, 2, () -> {
            client.tell(new Client.GlobalLora(0, 2, List.of(0, 1), 0, null, false, Double.POSITIVE_INFINITY));
            client.tell(new Client.StartIteration(0, 0, Double.NaN));
        });
        client.tell(new Client.GlobalLora(0, 2, List.of(0, 1), 0, null, false, 1.0));
        client.tell(new Client.StartIteration(0, 0, 1.0));
        assertEquals(new MainServer.Activations(0, 0, 0, 500, null, null, 1.75), p.main().receiveMessage());
        expectRejected("client 0", reason, 1, () -> client.tell(new Client.Gradients(0, 0, true, 500, null, Double.NaN)));
        client.tell(new Client.Gradients(0, 0, true, 500, null, 2.0));
        assertEquals(new MainServer.BackwardDone(0, 0, 0, 2.5), p.main().receiveMessage());
        assertEquals(5, Probes.rejectedByClient(KIT, client));

        ActorRef<MainServer.Command> server = mainServer(p);
        expectRejected("main server", reason, 1, () -> server.tell(serverPlan(0, Scheme.SFL, 2, List.of(0), INF, Double.NaN)));
        server.tell(serverPlan(0, Scheme.SFL, 2, List.of(0), INF, 0.0));
        Probes.next(p.coordinator(), Coordinator.ServerReady.class);
        p.clients().get(0).expectMessageClass(Client.StartIteration.class);
        server.tell(new MainServer.Activations(0, 0, 0, 1000, null, null, 1.0));
        p.clients().get(0).expectMessageClass(Client.Gradients.class);
        expectRejected("main server", reason, 2, () -> {
            server.tell(new MainServer.BackwardDone(0, 0, 0, Double.NaN));
            server.tell(new MainServer.AdoptBlocks(1, List.of(2), null, Double.NEGATIVE_INFINITY));
        });
        server.tell(new MainServer.BackwardDone(0, 0, 0, 4.0));
        assertEquals(4.0, Probes.next(p.coordinator(), Coordinator.IterationsDone.class).endS());
        assertEquals(3, Probes.rejected(KIT, server));

        ActorRef<FedServer.Command> fed = fedServer(p);
        expectRejected("federated server", reason, 1,
                () -> fed.tell(new FedServer.Configure(0, Scheme.SFL, 2, 4, 1, List.of(0), List.of(0), 200, List.of(), -3.0)));
        fed.tell(new FedServer.Configure(0, Scheme.SFL, 2, 4, 1, List.of(0), List.of(0), 200, List.of(), 0.0));
        expectRejected("federated server", reason, 1,
                () -> fed.tell(new FedServer.ServerBlocks(0, List.of(0, 1), null, Double.NaN)));
        fed.tell(new FedServer.ServerBlocks(0, List.of(0, 1), null, 0.0));
        p.coordinator().expectMessageClass(Coordinator.FedReady.class);
        expectRejected("federated server", reason, 2, () -> {
            fed.tell(new FedServer.Upload(0, 0, 100, List.of(0, 1), 200, null, Double.NaN));
            fed.tell(new FedServer.NoUpload(0, 0, false, Double.POSITIVE_INFINITY));
        });
        fed.tell(new FedServer.Upload(0, 0, 100, List.of(0, 1), 200, null, 5.0));
        assertEquals(5.0, p.coordinator().expectMessageClass(Coordinator.Aggregated.class).endS());
        assertEquals(4, Probes.rejectedByFed(KIT, fed));
    }
}
