package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.nn.ActivationCodec;
import io.fedsllm.train.ClientTrainer;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.ServerTrainer;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.train.TrainContext;
import io.fedsllm.train.TrainData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main server's protocol in real mode with probes in place of the other parties: activations of the wrong
 * shape or with a NaN are rejected with a logged reason and the iteration then completes on the good ones.
 * All DJL work of the test thread (context, the clients' forwards) happens before the server is spawned, so
 * only the compute dispatcher's thread touches DJL afterwards.
 */
@Timeout(120)
class RealActorProtocolTest {
    static final Duration QUIET = Duration.ofMillis(300);

    /** The test kit, the training context and the data of the small real-mode configuration. */
    record Real(ActorTestKit kit, TrainContext context, TrainData data) {}

    /** Runs {@code test} with a test kit (every message serialised), a training context and the data. */
    static void withRealKit(Path tmp, String name, java.util.function.Consumer<Real> test) {
        Config config = RealModeTest.config(tmp);
        ActorTestKit kit = ActorTestKit.create(name, config.withFallback(ConfigFactory.defaultReference()));
        try (TrainContext context = TrainContext.create(config)) {
            test.accept(new Real(kit, context, TrainData.load(config)));
        } finally {
            kit.shutdownTestKit();
        }
    }

    static ActorRef<MainServer.Command> mainServer(Real r) {
        return r.kit().spawn(MainServer.create(new MainServer.Kit(r.context().shape().layers(),
                ServerCompute.real(r.context(), List.of(), 1), null, Probes.NO_TIMEOUT, Probes.NO_SCENARIO)), "main-server",
                DispatcherSelector.fromConfig("fedsllm.compute-dispatcher"));
    }

    static ActorRef<FedServer.Command> fedServer(Real r) {
        return r.kit().spawn(FedServer.create(new FedServer.Kit(GlobalCopy.real(r.context().seed(), r.context().newServerStrategy()), Probes.NO_TIMEOUT, Probes.NO_SCENARIO)),
                "fed-server", DispatcherSelector.fromConfig("fedsllm.compute-dispatcher"));
    }

    @Test
    void mainServerRejectsActivationsOfTheWrongShapeOrWithNaNAndTheIterationCompletes(@TempDir Path tmp) {
        withRealKit(tmp, "real-protocol", real -> {
            ActorTestKit kit = real.kit();
            TrainContext context = real.context();
            int split = 2;
            int rank = 4;
            List<ClientTrainer.Forward> forwards = new ArrayList<>();
            List<List<io.fedsllm.data.E2eRecord>> shards = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                shards.add(real.data().shard(c, 2));
                try (ClientTrainer t = ClientTrainer.create(context, c, shards.get(c), split, rank, context.seed())) {
                    forwards.add(t.forward(0, 0));
                }
            }
            ClientTrainer.Forward good = forwards.get(0);
            long[] shape = ActivationCodec.shapeOf(good.activations()).getShape();
            float[] values = ActivationCodec.values(good.activations());
            byte[] wrongShape = ActivationCodec.encode(new float[values.length], shape[0], shape[1] * shape[2]);
            float[] withNaN = values.clone();
            withNaN[7] = Float.NaN;
            byte[] nan = ActivationCodec.encode(withNaN, shape);

            List<TestProbe<Client.Command>> clients = List.of(kit.createTestProbe(Client.Command.class),
                    kit.createTestProbe(Client.Command.class));
            TestProbe<FedServer.Command> fed = kit.createTestProbe(FedServer.Command.class);
            TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
            ActorRef<MainServer.Command> server = mainServer(real);
            server.tell(new MainServer.Peers(clients.stream().map(TestProbe::ref).toList(), fed.ref(), coordinator.ref()));
            server.tell(new MainServer.Configure(0, Scheme.SFL, split, rank, 1, List.of(0, 1), List.of(0, 1), 0, 0.5, 1000, 0.0,
                    Double.POSITIVE_INFINITY, 0, List.of(), 0.0));
            // Round 0: the LoRA of the client blocks 0..ℓ−1 leaves the server with its values.
            FedServer.ServerBlocks moved = fed.expectMessageClass(FedServer.ServerBlocks.class);
            assertEquals(List.of(0, 1), LoraBlocks.fromBytes(moved.weights()).blockIndices());
            coordinator.expectMessageClass(Coordinator.ServerReady.class);
            clients.get(0).expectMessageClass(Client.StartIteration.class);
            clients.get(1).expectMessageClass(Client.StartIteration.class);

            server.tell(new MainServer.Activations(0, 0, 0, 1000, wrongShape, good.labels(), 1.0));
            server.tell(new MainServer.Activations(0, 0, 0, 1000, nan, good.labels(), 1.0));
            server.tell(new MainServer.Activations(0, 0, 0, 1000, null, good.labels(), 1.0));
            server.tell(new MainServer.Activations(0, 0, 1, 1000, forwards.get(1).activations(), forwards.get(1).labels(), 1.5));
            clients.get(1).expectNoMessage(QUIET);
            server.tell(new MainServer.Activations(0, 0, 0, 1000, good.activations(), good.labels(), 1.0));
            for (int c = 0; c < 2; c++) {
                Client.Gradients g = clients.get(c).expectMessageClass(Client.Gradients.class);
                assertTrue(g.accepted());
                assertArrayEquals(ActivationCodec.shapeOf(forwards.get(c).activations()).getShape(),
                        ActivationCodec.shapeOf(g.payload()).getShape(), "client " + c + " gets its own gradient slice");
                for (float v : ActivationCodec.values(g.payload())) {
                    assertTrue(Float.isFinite(v));
                }
            }
            server.tell(new MainServer.BackwardDone(0, 0, 0, 3.0));
            server.tell(new MainServer.BackwardDone(0, 0, 1, 3.0));
            Coordinator.IterationsDone done = Probes.next(coordinator, Coordinator.IterationsDone.class);
            assertNotNull(done.trainLoss());
            assertTrue(Double.isFinite(done.trainLoss()) && done.trainLoss() > 0);
            assertEquals(List.of(2, 3), LoraBlocks.fromBytes(done.serverLora()).blockIndices());
            assertEquals(3, Probes.rejected(kit, server));
        });
    }

    @Test
    void clientRejectsGradientsOfTheWrongShapeOrWithNaNAndThenTrainsAndUploads(@TempDir Path tmp) {
        withRealKit(tmp, "real-client", real -> {
            ActorTestKit kit = real.kit();
            TrainContext context = real.context();
            byte[] global;
            try (ServerTrainer s = ServerTrainer.create(context, 0, 4, context.seed())) {
                global = s.exportBlocks(0, 2).toBytes();
            }
            TestProbe<MainServer.Command> main = kit.createTestProbe(MainServer.Command.class);
            TestProbe<FedServer.Command> fed = kit.createTestProbe(FedServer.Command.class);
            TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
            ActorRef<Client.Command> client = kit.spawn(Client.create(new Client.Kit(1, ClientCompute.real(context, 1,
                    real.data().shard(1, 2), 1), null, Probes.NO_TIMEOUT, Probes.NO_SCENARIO, false)), "client-1",
                    DispatcherSelector.fromConfig("fedsllm.compute-dispatcher"));
            client.tell(new Client.Peers(main.ref(), fed.ref(), coordinator.ref()));
            client.tell(new Client.StartRound(0, 1, 2, 4, 1, false, false, 0.5, 1.0, 1.0, 1000.0, 100.0, null, null, 1000, 200, 0.0));
            client.tell(new Client.GlobalLora(0, 2, List.of(0, 1), 0, global, false, 0.0));
            client.tell(new Client.StartIteration(0, 0, 0.0));
            MainServer.Activations a = main.expectMessageClass(MainServer.Activations.class);
            long[] shape = ActivationCodec.shapeOf(a.payload()).getShape();
            assertEquals(a.labels().length, shape[0]);
            int n = (int) (shape[0] * shape[1] * shape[2]);
            float[] withNaN = new float[n];
            withNaN[3] = Float.NaN;
            client.tell(new Client.Gradients(0, 0, true, 1000, ActivationCodec.encode(new float[n], shape[0], shape[1] * shape[2]), 2.0));
            client.tell(new Client.Gradients(0, 0, true, 1000, ActivationCodec.encode(withNaN, shape), 2.0));
            main.expectNoMessage(QUIET);
            client.tell(new Client.Gradients(0, 0, true, 1000, ActivationCodec.encode(new float[n], shape), 2.0));
            assertEquals(new MainServer.BackwardDone(0, 0, 1, 3.0), main.receiveMessage());
            client.tell(new Client.EndLocalTraining(0, 3.0));
            FedServer.Upload up = fed.expectMessageClass(FedServer.Upload.class);
            LoraBlocks lora = LoraBlocks.fromBytes(up.weights());
            assertEquals(List.of(0, 1), lora.blockIndices());
            assertEquals(4, lora.rank());
            assertEquals(200, up.bits(), "the plan's Δ is charged (the fed server checks it against the payload)");
            coordinator.expectMessageClass(Coordinator.ClientReport.class);
            assertEquals(2, Probes.rejectedByClient(kit, client));
        });
    }

    /** The same LoRA with {@code delta} added to every value (a stand-in for a client's training). */
    static LoraBlocks shifted(LoraBlocks lora, float delta) {
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
        lora.blocks().forEach((block, tensors) -> {
            Map<String, float[]> m = new LinkedHashMap<>();
            tensors.forEach((name, values) -> {
                float[] v = values.clone();
                for (int i = 0; i < v.length; i++) {
                    v[i] += delta;
                }
                m.put(name, v);
            });
            out.put(block, m);
        });
        return new LoraBlocks(out, lora.rank());
    }

    /** Same blocks, same tensors, bit-identical values. */
    static void assertSameValues(LoraBlocks want, LoraBlocks got, String what) {
        assertEquals(want.rank(), got.rank(), what);
        assertEquals(want.blockIndices(), got.blockIndices(), what);
        want.blocks().forEach((block, tensors) -> {
            assertEquals(tensors.keySet(), got.blocks().get(block).keySet(), what + ", block " + block);
            tensors.forEach((name, values) -> assertArrayEquals(values, got.blocks().get(block).get(name),
                    what + ", block " + block + " " + name));
        });
    }

    @Test
    void fedServerRejectsAnUploadWithNaNWeightsOrTheWrongRankAndAveragesTheGoodOnes(@TempDir Path tmp) {
        withRealKit(tmp, "real-fed", real -> {
            ActorTestKit kit = real.kit();
            TrainContext context = real.context();
            LoraBlocks initial;
            try (ServerTrainer s = ServerTrainer.create(context, 0, 4, context.seed())) {
                initial = s.exportBlocks(0, 2);
            }
            LoraBlocks good0 = shifted(initial, 0.5f);
            LoraBlocks good1 = shifted(initial, -0.25f);
            LoraBlocks withNaN = shifted(initial, 0.5f);
            withNaN.blocks().get(1).values().iterator().next()[3] = Float.NaN;
            LoraBlocks rank8 = good0.resized(8, context.seed());
            long bits = initial.bits();

            List<TestProbe<Client.Command>> clients = List.of(kit.createTestProbe(Client.Command.class),
                    kit.createTestProbe(Client.Command.class));
            TestProbe<MainServer.Command> main = kit.createTestProbe(MainServer.Command.class);
            TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
            ActorRef<FedServer.Command> fed = fedServer(real);
            fed.tell(new FedServer.Peers(clients.stream().map(TestProbe::ref).toList(), main.ref(), coordinator.ref()));
            fed.tell(new FedServer.Configure(0, Scheme.SFL, 2, 4, 1, List.of(0, 1), List.of(0, 1), bits, List.of(), 0.0));
            fed.tell(new FedServer.ServerBlocks(0, List.of(0, 1), initial.toBytes(), 0.0));
            coordinator.expectMessageClass(Coordinator.FedReady.class);
            for (TestProbe<Client.Command> c : clients) {
                assertSameValues(initial, LoraBlocks.fromBytes(c.expectMessageClass(Client.GlobalLora.class).weights()),
                        "the broadcast global copy");
            }
            LoggingTestKit.warn("federated server rejected Upload").withMessageContains("client 0: LoRA weight NaN is not finite")
                    .expect(kit.system(), () -> {
                        fed.tell(new FedServer.Upload(0, 0, 10, List.of(0, 1), bits, withNaN.toBytes(), 1.0));
                        return null;
                    });
            LoggingTestKit.warn("federated server rejected Upload").withMessageContains("at rank 8, expected blocks [0, 1] at rank 4")
                    .expect(kit.system(), () -> {
                        fed.tell(new FedServer.Upload(0, 0, 10, List.of(0, 1), bits, rank8.toBytes(), 1.0));
                        return null;
                    });
            fed.tell(new FedServer.Upload(0, 0, 10, List.of(0, 1), bits, good0.toBytes(), 1.0));
            fed.tell(new FedServer.Upload(0, 1, 30, List.of(0, 1), bits, good1.toBytes(), 2.0));
            Coordinator.Aggregated a = coordinator.expectMessageClass(Coordinator.Aggregated.class);
            assertEquals(List.of(0, 1), a.contributors());
            assertEquals(List.of(0.25, 0.75), a.weights());
            float want = 0.25f * good0.blocks().get(0).values().iterator().next()[0]
                    + 0.75f * good1.blocks().get(0).values().iterator().next()[0];
            assertEquals(want, LoraBlocks.fromBytes(a.globalLora()).blocks().get(0).values().iterator().next()[0], 1e-6f,
                    "the rejected uploads are not in the average");
            assertEquals(2, Probes.rejectedByFed(kit, fed));
        });
    }

    /**
     * Real main and federated servers, probes for the client and the coordinator; the split goes 2 → 4 → 2 on a
     * 4-block model: blocks 2, 3 move up (server → global copy → client) and back down (global copy → server),
     * and their LoRA values arrive exactly as they were exported.
     */
    @Test
    void movedBlocksKeepTheirLoraValuesUpAndDown(@TempDir Path tmp) {
        withRealKit(tmp, "real-moves", real -> {
            ActorTestKit kit = real.kit();
            TrainContext context = real.context();
            assertEquals(4, context.shape().layers());
            int rank = 4;
            LoraBlocks initial;
            try (ServerTrainer s = ServerTrainer.create(context, 0, rank, context.seed())) {
                initial = s.serverLora();
            }
            long bitsPerBlock = initial.select(0, 1).bits();
            TestProbe<Client.Command> client = kit.createTestProbe(Client.Command.class);
            TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
            ActorRef<MainServer.Command> main = mainServer(real);
            ActorRef<FedServer.Command> fed = fedServer(real);
            main.tell(new MainServer.Peers(List.of(client.ref()), fed, coordinator.ref()));
            fed.tell(new FedServer.Peers(List.of(client.ref()), main, coordinator.ref()));

            int[] splits = {2, 4, 2};
            float[] training = {0.5f, 0.25f, -0.125f};
            LoraBlocks serverBefore = initial;   // the main server's LoRA before the round
            LoraBlocks globalBefore = null;      // the federated server's global copy before the round
            for (int round = 0; round < splits.length; round++) {
                int split = splits[round];
                // Federated-style rounds (no server iterations): values change only where the test changes them.
                main.tell(new MainServer.Configure(round, Scheme.FL, split, rank, 1, List.of(0), List.of(0), 0, 0.5, 1000, 0.0,
                        Double.POSITIVE_INFINITY, 0, List.of(), round));
                fed.tell(new FedServer.Configure(round, Scheme.FL, split, rank, 1, List.of(0), List.of(0), split * bitsPerBlock, List.of(), round));
                LoraBlocks server = null;
                for (int i = 0; i < 3; i++) {
                    if (coordinator.receiveMessage() instanceof Coordinator.IterationsDone d) {
                        server = LoraBlocks.fromBytes(d.serverLora());
                    }
                }
                LoraBlocks global = LoraBlocks.fromBytes(client.expectMessageClass(Client.GlobalLora.class).weights());
                assertEquals(Blocks.range(0, split), global.blockIndices(), "round " + round);
                assertEquals(Blocks.range(split, 4), server.blockIndices(), "round " + round);
                int previous = round == 0 ? 0 : splits[round - 1];
                if (split > previous) {
                    // Move up: the server's blocks [previous, split) reach the client as the server had them.
                    assertSameValues(serverBefore.select(previous, split), global.select(previous, split),
                            "round " + round + ": blocks moved up");
                    if (globalBefore != null) {
                        assertSameValues(globalBefore, global.select(0, previous), "round " + round + ": blocks kept");
                    }
                } else {
                    // Move down: the global copy's blocks [split, previous) reach the server as they were averaged.
                    assertSameValues(globalBefore.select(split, previous), server.select(split, previous),
                            "round " + round + ": blocks moved down");
                    assertSameValues(globalBefore.select(0, split), global, "round " + round + ": blocks kept");
                }
                assertSameValues(serverBefore.select(Math.max(split, previous), 4), server.select(Math.max(split, previous), 4),
                        "round " + round + ": server blocks that did not move");
                LoraBlocks upload = shifted(global, training[round]);
                fed.tell(new FedServer.Upload(round, 0, 10, Blocks.range(0, split), split * bitsPerBlock, upload.toBytes(),
                        round + 0.5));
                globalBefore = LoraBlocks.fromBytes(coordinator.expectMessageClass(Coordinator.Aggregated.class).globalLora());
                assertSameValues(upload, globalBefore, "round " + round + ": one client's average is its upload");
                serverBefore = server;
            }
            PartyAudit.PartyStats mainStats = Probes.stop(kit, MainServer.Stop::new, main);
            PartyAudit.PartyStats fedStats = Probes.stop(kit, FedServer.Stop::new, fed);
            assertTrue(mainStats.types().contains(MainServer.AdoptBlocks.class.getName()), "a move down");
            assertTrue(fedStats.types().contains(FedServer.ServerBlocks.class.getName()), "a move up");
            assertEquals(0, mainStats.rejected() + fedStats.rejected());
        });
    }
}
