package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two ActorSystems of this JVM form a cluster over Artery tls-tcp with mutual authentication (stores from
 * deploy/gen-certs.sh); messages with GPT-2-small-sized payloads cross through the {@link Courier}; a node with a
 * certificate of another CA cannot join or deliver; undeliverable messages fail with a reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CourierClusterTest {

    /** One GPT-2-small activation mini-batch: 16 x 512 x 768 float32. */
    static final int ACTIVATION_BYTES = 16 * 512 * 768 * 4;

    public record Ping(byte[] payload, ActorRef<Pong> replyTo) implements TestMessage {}

    public record Pong(byte[] payload) implements TestMessage {}

    private Path certs;
    private ActorSystem<Void> coordinator;
    private ActorSystem<Void> mainServer;
    private ActorRef<Ping> echoOnMainServer;
    private final AtomicInteger pingsReceived = new AtomicInteger();

    /** Answers a ping with its payload reversed, through the courier. */
    private Behavior<Ping> echo() {
        return Behaviors.setup(ctx -> {
            Courier courier = Courier.get(ctx.getSystem());
            return Behaviors.receiveMessage(p -> {
                pingsReceived.incrementAndGet();
                byte[] reversed = new byte[p.payload().length];
                for (int i = 0; i < reversed.length; i++) {
                    reversed[i] = p.payload()[reversed.length - 1 - i];
                }
                courier.send(p.replyTo(), new Pong(reversed));
                return Behaviors.same();
            });
        });
    }

    private static <T> ActorRef<T> refOn(ActorSystem<?> on, ActorRef<T> ref, ActorSystem<?> owner) {
        return ActorRefResolver.get(on).resolveActorRef(ActorRefResolver.get(owner).toSerializationFormat(ref));
    }

    private static Courier.Undeliverable failure(CompletionStage<Done> sent) throws Exception {
        try {
            sent.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return assertInstanceOf(Courier.Undeliverable.class, e.getCause());
        }
        throw new AssertionError("the send succeeded");
    }

    @BeforeAll
    void formCluster() throws Exception {
        certs = Files.createTempDirectory("fedsllm-certs");
        TestCerts.generate(certs, "coordinator", "main-server");
        int seed = TestNodes.freePort();
        // The coordinator refuses messages above 32 MiB and gives up on silence after 3 s (the absent-node case).
        coordinator = TestNodes.start(Role.COORDINATOR, seed, seed, certs.resolve("coordinator"), """
                fedsllm.cluster.courier.max-message-size = 32 MiB
                fedsllm.cluster.courier.ack-timeout = 3s
                """);
        mainServer = TestNodes.start(Role.MAIN_SERVER, TestNodes.freePort(), seed, certs.resolve("main-server"), "");
        TestNodes.awaitUp(2, Duration.ofSeconds(60), coordinator, mainServer);
        echoOnMainServer = mainServer.systemActorOf(echo(), "echo", Props.empty());
    }

    @AfterAll
    void stopCluster() throws Exception {
        TestNodes.stop(coordinator, mainServer);
        if (certs != null) {
            try (var files = Files.walk(certs)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void aGpt2SmallActivationCrossesToAnotherNodeOverTlsAndComesBack() throws Exception {
        byte[] payload = new byte[ACTIVATION_BYTES];
        new Random(7).nextBytes(payload);
        TestProbe<Pong> probe = TestProbe.create(coordinator);
        ActorRef<Ping> echo = refOn(coordinator, echoOnMainServer, mainServer);
        assertTrue(echo.path().address().hasGlobalScope(), "the echo is remote from the coordinator");

        Courier.get(coordinator).send(echo, new Ping(payload, probe.getRef())).toCompletableFuture().get(60, TimeUnit.SECONDS);
        Pong pong = probe.expectMessageClass(Pong.class, Duration.ofSeconds(60));

        assertEquals(ACTIVATION_BYTES, pong.payload().length);
        for (int i = 0; i < payload.length; i += 4099) {
            assertEquals(payload[payload.length - 1 - i], pong.payload()[i], "byte " + i);
        }
        assertEquals(1, pingsReceived.get());
    }

    @Test
    @Order(2)
    void messagesToOneNodeArriveInTheOrderTheyWereSent() throws Exception {
        TestProbe<Pong> probe = TestProbe.create(coordinator);
        ActorRef<Ping> echo = refOn(coordinator, echoOnMainServer, mainServer);
        int[] sizes = {3_000_000, 10, 1_500_000, 0, 2_100_000};
        for (int i = 0; i < sizes.length; i++) {
            byte[] p = new byte[sizes[i] + 1];
            p[0] = (byte) i;   // reversed: the last byte of the pong
            Courier.get(coordinator).send(echo, new Ping(p, probe.getRef()));
        }
        for (int i = 0; i < sizes.length; i++) {
            byte[] back = probe.expectMessageClass(Pong.class, Duration.ofSeconds(60)).payload();
            assertEquals(sizes[i] + 1, back.length);
            assertEquals(i, back[back.length - 1]);
        }
    }

    @Test
    @Order(3)
    void aNodeWithACertificateOfAnotherCaCannotJoinAndDeliversNothing() throws Exception {
        Path rogueCerts = Files.createTempDirectory("fedsllm-rogue");
        ActorSystem<Void> rogue = null;
        int before = pingsReceived.get();
        try {
            TestCerts.generate(rogueCerts, "rogue");
            int seed = coordinator.address().getPort().get();
            rogue = TestNodes.start(Role.CLIENTS, TestNodes.freePort(), seed, rogueCerts.resolve("rogue"),
                    "fedsllm.cluster.courier.ack-timeout = 3s");
            TestProbe<Pong> probe = TestProbe.create(rogue);
            ActorRef<Ping> echo = refOn(rogue, echoOnMainServer, mainServer);
            echo.tell(new Ping(new byte[] {1}, probe.getRef()));                     // a plain tell
            CompletionStage<Done> viaCourier = Courier.get(rogue).send(echo, new Ping(new byte[] {2}, probe.getRef()));

            // The rogue cannot even learn the courier's port over Artery, so its send times out...
            Courier.Undeliverable e = failure(viaCourier);
            assertTrue(e.reason().contains("made no progress"), e.reason());
            assertEquals(Courier.Cause.NODE, e.cause());
            // ...and knowing the port does not help: the courier's TLS server refuses its certificate.
            TestProbe<CourierActor.Command> owner = TestProbe.create(rogue);
            try (CourierConnection direct = new CourierConnection("main-server", "127.0.0.1", Courier.get(mainServer).serverPort(),
                    CourierSettings.from(rogue.settings().config()), CourierTls.fromArtery(rogue.settings().config()),
                    owner.getRef())) {
                String target = ActorRefResolver.get(mainServer).toSerializationFormat(echoOnMainServer);
                Ping ping = new Ping(new byte[] {3}, probe.getRef());
                direct.send(new CourierConnection.Frame(1, target, Payload.of(ping,
                        (ExtendedActorSystem) Adapter.toClassic(rogue), SerializationExtension.get(Adapter.toClassic(rogue)))));
                CourierActor.ConnectionDown down = owner.expectMessageClass(CourierActor.ConnectionDown.class, Duration.ofSeconds(30));
                // TLS 1.3: the client may finish its handshake before the server has checked its certificate, so
                // the rejection shows as a handshake error, a closed inbound or a broken pipe, depending on timing.
                assertTrue(down.reason().contains("127.0.0.1:" + Courier.get(mainServer).serverPort()), down.reason());
            }
            probe.expectNoMessage(Duration.ofSeconds(2));
            assertEquals(before, pingsReceived.get(), "no ping reached the echo");
            assertEquals(0, TestNodes.upMembers(rogue), "the rogue node never became a member");
            assertEquals(2, TestNodes.upMembers(coordinator));
            assertEquals(2, TestNodes.upMembers(mainServer));
        } finally {
            TestNodes.stop(rogue);
            try (var files = Files.walk(rogueCerts)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(4)
    void undeliverableMessagesFailWithAReason() throws Exception {
        Courier courier = Courier.get(coordinator);
        TestProbe<Pong> probe = TestProbe.create(coordinator);
        String mainAddress = mainServer.address().toString();

        ActorRef<Ping> nobody = ActorRefResolver.get(coordinator).resolveActorRef(mainAddress + "/system/nobody");
        Courier.Undeliverable missing = failure(courier.send(nobody, new Ping(new byte[3_000_000], probe.getRef())));
        assertTrue(missing.reason().contains("/system/nobody does not exist or has stopped on node " + mainAddress),
                missing.reason());
        assertEquals(Courier.Cause.TARGET, missing.cause());

        ActorRef<Ping> echo = refOn(coordinator, echoOnMainServer, mainServer);
        Courier.Undeliverable tooBig = failure(courier.send(echo, new Ping(new byte[40 << 20], probe.getRef())));
        assertTrue(tooBig.reason().contains("exceed fedsllm.cluster.courier.max-message-size = 33554432"), tooBig.reason());
        assertEquals(Courier.Cause.MESSAGE, tooBig.cause());

        int absentPort = TestNodes.freePort();
        ActorRef<Ping> absent = ActorRefResolver.get(coordinator)
                .resolveActorRef("pekko://fedsllm@127.0.0.1:" + absentPort + "/system/echo");
        Courier.Undeliverable noNode = failure(courier.send(absent, new Ping(new byte[10], probe.getRef())));
        assertTrue(noNode.reason().contains("127.0.0.1:" + absentPort), noNode.reason());
        assertEquals(Courier.Cause.NODE, noNode.cause());

        TestProbe<Courier.Undelivered> failures = TestProbe.create(coordinator);
        courier.send(nobody, new Ping(new byte[10], probe.getRef()), failures.getRef());
        Courier.Undelivered told = failures.expectMessageClass(Courier.Undelivered.class, Duration.ofSeconds(30));
        assertEquals(nobody.path().toString(), told.target());
        assertEquals(Ping.class.getName(), told.messageClass());
        assertTrue(told.reason().contains("does not exist or has stopped"), told.reason());
        assertEquals(Courier.Cause.TARGET, told.cause());
        probe.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    @Order(5)
    void aMessageToANodeThatLeftOrFromANodeThatStoppedFailsWithAReason() throws Exception {
        ActorRef<Ping> echo = refOn(coordinator, echoOnMainServer, mainServer);
        TestProbe<Pong> probe = TestProbe.create(coordinator);
        TestNodes.stop(mainServer);
        Courier.Undeliverable gone = failure(Courier.get(coordinator).send(echo, new Ping(new byte[ACTIVATION_BYTES], probe.getRef())));
        assertTrue(gone.reason().contains(mainServer.address().toString()), gone.reason());
        assertEquals(Courier.Cause.NODE, gone.cause());

        TestNodes.stop(coordinator);
        Courier.Undeliverable ended = failure(Courier.get(coordinator).send(echo, new Ping(new byte[10], probe.getRef())));
        assertTrue(ended.reason().contains("the sending node's actor system terminated"), ended.reason());
        assertEquals(Courier.Cause.SENDER, ended.cause());
    }
}
