package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.EmuSettings.Scheme;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every message that crosses actors survives Pekko's serialization (jackson-cbor) unchanged. */
class ProtocolSerializationTest {
    static final ActorTestKit KIT = ActorTestKit.create("serialization",
            ConfigLoader.withSets().withFallback(ConfigFactory.defaultReference()));

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void everyMessageTypeRoundTripsThroughCbor() throws Exception {
        ActorRef<Client.Command> client = KIT.createTestProbe(Client.Command.class).ref();
        ActorRef<MainServer.Command> main = KIT.createTestProbe(MainServer.Command.class).ref();
        ActorRef<FedServer.Command> fed = KIT.createTestProbe(FedServer.Command.class).ref();
        ActorRef<Coordinator.Command> coordinator = KIT.createTestProbe(Coordinator.Command.class).ref();
        byte[] tensor = {1, 2, 3, -4};
        ActorRef<Recorder.Command> recorder = KIT.createTestProbe(Recorder.Command.class).ref();
        io.fedsllm.results.RoundRecord record = new io.fedsllm.results.RoundRecord(1, 0.5, 9.5, 9.0, 2, 4, 2, List.of(1),
                2.5, null, 1000L, 50L, new io.fedsllm.results.RoundRecord.Breakdown(1, 2, 3, 4, 0.5), 0, 3,
                List.of(new io.fedsllm.results.RoundRecord.ClientRound(3, 1, 2, 3, 0.5, 8, 4, 20, 0, 0.75)));
        io.fedsllm.results.RunResult result = new io.fedsllm.results.RunResult("sfl", "real", 5, List.of(record),
                "rounds", 9.5, 1.25, 100L, 2L, 1000L, 50L, 2.0, null, java.util.Map.of("client", java.util.Set.of("a.B")),
                new java.util.TreeMap<>(java.util.Map.of(3, "IllegalStateException: x")));
        List<Object> messages = List.of(
                new Client.Peers(main, fed, coordinator),
                new Client.StartRound(1, 0, 2, 4, 20, false, false, 0.5, 1.0, 1.5, 1e6, 2e6, null, null, 1000L, 200L, 3.5),
                new Client.GlobalLora(1, 2, List.of(0, 1), 7L, tensor, false, 3.5),
                new Client.StartIteration(1, 0, 3.5),
                new Client.Gradients(1, 0, true, 1000L, tensor, 4.5),
                new Client.EndLocalTraining(1, 9.0),
                Client.Crash.INSTANCE,
                new Client.Stop(coordinator),
                new Client.Timeout(1, 0, Client.Wait.GRADIENTS),
                new MainServer.Peers(List.of(client), fed, coordinator),
                new MainServer.Configure(1, Scheme.SFL, 2, 4, 20, List.of(0, 3), List.of(0, 3), 0, 0.1, 1000L, 0.0,
                        Double.POSITIVE_INFINITY, 0, List.of(), 3.5),
                new MainServer.Activations(1, 0, 3, 1000L, tensor, new int[][] {{1, 2}, {3, 4}}, 4.0),
                new MainServer.BackwardDone(1, 0, 3, 5.0),
                new MainServer.AdoptBlocks(1, List.of(2, 3), tensor, 3.5),
                new MainServer.ClientLost(3),
                new MainServer.ClientBack(3, client),
                new MainServer.Withdraw(1, 3),
                new MainServer.Stop(coordinator),
                new MainServer.Timeout(1, 4, MainServer.Wait.BACKWARD),
                new FedServer.Peers(List.of(client), main, coordinator),
                new FedServer.Configure(1, Scheme.SL, 2, 4, 1, List.of(0, 3), List.of(0, 3), 200L, List.of(), 3.5),
                new FedServer.Upload(1, 3, 700, List.of(0, 1), 200L, tensor, 9.5),
                new FedServer.NoUpload(1, 3, false, 9.0),
                new FedServer.ServerBlocks(1, List.of(0, 1), tensor, 3.5),
                new FedServer.ClientLost(3),
                new FedServer.ClientBack(3, client),
                new FedServer.UploadsDue(1),
                new FedServer.Stop(coordinator),
                new FedServer.Timeout(1, true),
                new Coordinator.MainServerEnrolled(main),
                new Coordinator.FedServerEnrolled(fed),
                new Coordinator.ClientsEnrolled(List.of(0), List.of(client), null),
                new Coordinator.PartyTerminated("client", 3, "IllegalStateException: x"),
                new Coordinator.PartyTerminated("main-server", 0, "scripted crash", new ScriptedCrash.Info(4, 1, 2, 7.5)),
                new Coordinator.ServerReady(1, List.of(2, 3), 3.5),
                new Coordinator.FedReady(1, List.of(0, 1), 7L, 3.5),
                new Coordinator.ClientReport(1, 3, 3, 1.0, 2.0, 3.0, 0.5, 20, 0, 9.0, 2.75, List.of()),
                new Coordinator.IterationProgress(1, 4, 6.5),
                new Coordinator.IterationsDone(1, 9.0, 1.0, 2.0, 3.0, 4.0, 12345L, 0, 2.5, tensor, List.of(0.0), List.of()),
                new Coordinator.Aggregated(1, 9.5, List.of(0, 3), List.of(0.25, 0.75), 50L, 8L, tensor, List.of()),
                new Coordinator.Evaluated(1, 2.25, null),
                new Coordinator.Stalled(1, "main server", "the federated server's blocks", "PT10M"),
                new Coordinator.Diverged(1, "training loss NaN at the main server"),
                new Coordinator.PartyStopped(new PartyAudit.PartyStats("client", 3, 10, 1, List.of("a.B"))),
                new Coordinator.Timeout(1, 2),
                new RoundEvaluator.Evaluate(1, 2, tensor, tensor, coordinator),
                new RoundEvaluator.Stop(coordinator),
                new Recorder.Round(record, 1.5, io.fedsllm.results.RoundDetails.NONE),
                new Recorder.Round(new io.fedsllm.results.RoundRecord(0, 0, 9.5, 9.0, 0, 4, 0, List.of(), 2.5, 2.25,
                        4096L, 0L, new io.fedsllm.results.RoundRecord.Breakdown(0.5, 0, 3, 6, 0, 0), 0, null, List.of()), 1.5,
                        io.fedsllm.results.RoundDetails.NONE),
                new Recorder.FinalAdapters(1, tensor, tensor),
                new Recorder.Progress(1, 4),
                new Recorder.Finished(result),
                new Recorder.Failed("round 1: x", false),
                new Recorder.Silence(),
                new RoleGuardian.Enroll("fedsllm{seed=1}", null, null, coordinator),
                new RoleGuardian.Respawn(List.of(3, 4)),
                new RoleGuardian.Reset(),
                new Client.Snapshot(1, coordinator),
                new Client.Restore(tensor),
                new MainServer.Snapshot(1, coordinator),
                new MainServer.Restore(tensor),
                new FedServer.Snapshot(1, coordinator),
                new FedServer.Restore(tensor),
                new RoundEvaluator.Snapshot(coordinator),
                new RoundEvaluator.Restore(tensor),
                new Coordinator.PartyState("client", 3, tensor),
                new Coordinator.GuardianTerminated("clients", KIT.createTestProbe(RoleGuardian.Command.class).ref()),
                new Coordinator.Undelivered("MainServer.Activations", main, io.fedsllm.cluster.Courier.Cause.MESSAGE,
                        "its 40000000 serialized bytes exceed fedsllm.cluster.courier.max-message-size = 1048576"),
                new MainServer.ClientBack(3, client),
                new FedServer.ClientBack(3, client),
                new RoleGuardian.Respawn(List.of(3, 4)),
                new RoleGuardian.Reset(),
                new Recorder.Checkpoint(1, java.util.Map.of("coordinator.cbor", tensor)));
        Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
        List<Class<?>> seen = new ArrayList<>();
        for (Object m : messages) {
            Serializer serializer = serialization.findSerializerFor(m);
            assertTrue(serializer instanceof JacksonCborSerializer, m.getClass().getName() + " uses " + serializer);
            byte[] bytes = serialization.serialize(m).get();
            Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, m)).get();
            assertEquals(m.getClass(), back.getClass());
            // Records holding arrays compare by reference: compare the re-serialized bytes instead.
            assertArrayEquals(bytes, serialization.serialize(back).get(), m.getClass().getName());
            if (!hasArray(m)) {
                assertEquals(m, back);
            }
            seen.add(m.getClass());
        }
        for (Class<?> owner : List.of(Client.class, MainServer.class, FedServer.class, Coordinator.class,
                RoundEvaluator.class, Recorder.class, RoleGuardian.class)) {
            for (Class<?> nested : owner.getDeclaredClasses()) {
                boolean message = nested.isRecord() || nested.isEnum();
                // Listed wraps the Receptionist's own message inside the coordinator's adapter: it never travels.
                if (message && CborSerializable.class.isAssignableFrom(nested) && nested != Coordinator.Listed.class) {
                    assertTrue(seen.contains(nested), "no round trip for " + nested.getName());
                }
            }
        }
    }

    @Test
    void loraPayloadBytesDoNotDependOnTheJvm() {
        // Map.of iterates in a per-JVM (salted) order; the payload's safetensors metadata must be written sorted.
        java.util.TreeMap<Integer, java.util.Map<String, float[]>> blocks = new java.util.TreeMap<>();
        blocks.put(0, java.util.Map.of("q.lora_A", new float[] {1, 2}, "q.lora_B", new float[] {3, 4}));
        byte[] bytes = new io.fedsllm.train.LoraBlocks(blocks, 2).toBytes();
        String header = new String(bytes, 8, (int) java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong(0), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"fedsllm-lora-blocks\",\"rank\":\"2\"}"), header);
    }

    private static boolean hasArray(Object m) {
        for (var c : m.getClass().getRecordComponents() == null ? new java.lang.reflect.RecordComponent[0]
                : m.getClass().getRecordComponents()) {
            if (c.getType().isArray() || java.util.Map.class.isAssignableFrom(c.getType())) {
                return true; // arrays (also inside maps) compare by reference
            }
        }
        return false;
    }
}
