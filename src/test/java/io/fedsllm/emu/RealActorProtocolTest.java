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
import io.fedsllm.train.TrainContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
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

    @Test
    void mainServerRejectsActivationsOfTheWrongShapeOrWithNaNAndTheIterationCompletes(@TempDir Path tmp) {
        Config config = RealModeTest.config(tmp);
        ActorTestKit kit = ActorTestKit.create("real-protocol", config.withFallback(ConfigFactory.defaultReference()));
        try (TrainContext context = TrainContext.create(config)) {
            int split = 2;
            int rank = 4;
            List<ClientTrainer.Forward> forwards = new ArrayList<>();
            List<List<io.fedsllm.data.E2eRecord>> shards = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                shards.add(context.shard(c, 2));
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

            MessageAudit audit = new MessageAudit();
            List<TestProbe<Client.Command>> clients = List.of(kit.createTestProbe(Client.Command.class),
                    kit.createTestProbe(Client.Command.class));
            TestProbe<FedServer.Command> fed = kit.createTestProbe(FedServer.Command.class);
            TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
            ActorRef<MainServer.Command> server = kit.spawn(MainServer.create(audit, context, shards), "main-server",
                    DispatcherSelector.fromConfig("fedsllm.compute-dispatcher"));
            server.tell(new MainServer.Setup(clients.stream().map(TestProbe::ref).toList(), fed.ref(), coordinator.ref()));
            server.tell(new MainServer.Configure(0, split, rank, 1, List.of(0, 1), false, false, 0, 0.5, 1000, 0.0,
                    Double.POSITIVE_INFINITY, 0.0));
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
            assertEquals(3, audit.rejectedMessages());
            server.tell(new MainServer.BackwardDone(0, 0, 0, 3.0));
            server.tell(new MainServer.BackwardDone(0, 0, 1, 3.0));
            Coordinator.IterationsDone done = coordinator.expectMessageClass(Coordinator.IterationsDone.class);
            assertNotNull(done.trainLoss());
            assertTrue(Double.isFinite(done.trainLoss()) && done.trainLoss() > 0);
            assertEquals(List.of(2, 3), LoraBlocks.fromBytes(done.serverLora()).blockIndices());
            assertEquals(3, audit.rejectedMessages());
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void clientRejectsGradientsOfTheWrongShapeOrWithNaNAndThenTrainsAndUploads(@TempDir Path tmp) {
        Config config = RealModeTest.config(tmp);
        ActorTestKit kit = ActorTestKit.create("real-client", config.withFallback(ConfigFactory.defaultReference()));
        try (TrainContext context = TrainContext.create(config)) {
            byte[] global;
            try (ServerTrainer s = ServerTrainer.create(context, 0, 4, context.seed())) {
                global = s.exportBlocks(0, 2).toBytes();
            }
            TestProbe<MainServer.Command> main = kit.createTestProbe(MainServer.Command.class);
            TestProbe<FedServer.Command> fed = kit.createTestProbe(FedServer.Command.class);
            TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
            MessageAudit audit = new MessageAudit();
            ActorRef<Client.Command> client = kit.spawn(Client.create(1, context.shard(1, 2), 1.0, main.ref(), fed.ref(),
                    coordinator.ref(), audit, context), "client-1", DispatcherSelector.fromConfig("fedsllm.compute-dispatcher"));
            client.tell(new Client.StartRound(0, 2, 4, 1, false, 0.5, 1.0, 1000.0, 100.0, 1000, 200, 0.0));
            client.tell(new Client.GlobalLora(0, 2, List.of(0, 1), 0, global, 0.0));
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
            assertEquals(2, audit.rejectedMessages());
        } finally {
            kit.shutdownTestKit();
        }
    }
}
