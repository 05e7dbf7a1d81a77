package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The courier between two JVMs on loopback over mutual TLS: activation-sized messages arrive (bench net's own run,
 * shortened), and killing the receiving JVM in the middle of 64 MB transfers fails every unfinished send with a
 * reason. Child JVMs are stopped whatever happens.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CourierProcessesIT {

    /** This JVM's child processes that are still alive. */
    private static long liveChildren() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).count();
    }

    @Test
    void activationSizedMessagesCrossBetweenJvmsOverTls(@TempDir Path dir) throws Exception {
        TestCerts.generate(dir, "bench");
        long before = liveChildren();
        List<NetBench.Row> rows = NetBench.run(null, List.of("cluster.bench.sizes=[1048576,25165824]",
                "cluster.bench.bytes-per-size=50MiB", "cluster.bench.min-messages=2", "cluster.bench.warmup-messages=1"),
                dir.resolve("bench"), r -> { });
        assertEquals(2, rows.size());
        for (NetBench.Row r : rows) {
            assertTrue(r.courierBytesPerSecond() > 0 && Double.isFinite(r.courierBytesPerSecond()), r.toString());
            assertTrue(r.rawTlsBytesPerSecond() > 0 && r.rawBytesPerSecond() > 0, r.toString());
        }
        assertEquals(25165824, rows.get(1).size());
        assertEquals(before, liveChildren(), "the receiving JVM was stopped");
    }

    @Test
    void killingTheReceivingJvmFailsEveryUnfinishedSendWithAReason(@TempDir Path dir) throws Exception {
        TestCerts.generate(dir, "node");
        Path tls = dir.resolve("node");
        int seedPort = HostPort.freeLoopbackPort();
        int childPort = HostPort.freeLoopbackPort();
        ActorSystem<Void> system = NetBench.startNode(ConfigLoader.withSets("cluster.courier.ack-timeout=10s"),
                Role.COORDINATOR, seedPort, seedPort, tls);
        Process child = null;
        try {
            child = NetBench.startChild(null, List.of(), tls, childPort, seedPort);
            NetBench.awaitReady(child, Duration.ofSeconds(60));
            NetBench.awaitMembers(system, 2, Duration.ofSeconds(60), child);
            ActorRef<NetBench.Payload> sink = ActorRefResolver.get(system).resolveActorRef(
                    new HostPort("127.0.0.1", childPort).pekkoAddress(system.name()) + "/system/" + NetBench.SINK);
            TestProbe<NetBench.Receipt> receipts = TestProbe.create(system);
            Courier courier = Courier.get(system);
            courier.send(sink, new NetBench.Payload(0, new byte[1 << 20], receipts.getRef())).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            receipts.expectMessageClass(NetBench.Receipt.class, Duration.ofSeconds(30));

            byte[] big = new byte[64 << 20];
            List<CompletableFuture<Done>> sends = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                sends.add(courier.send(sink, new NetBench.Payload(i, big, receipts.getRef())).toCompletableFuture());
            }
            child.destroyForcibly();
            long killed = System.nanoTime();
            int failed = 0;
            for (CompletableFuture<Done> s : sends) {
                try {
                    s.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    Courier.Undeliverable u = assertInstanceOf(Courier.Undeliverable.class, e.getCause());
                    assertTrue(u.reason().contains("127.0.0.1:"), u.reason());
                    assertEquals(Courier.Cause.NODE, u.cause(), u.reason());
                    System.out.printf("failed %.1f s after the kill: %s%n", (System.nanoTime() - killed) / 1e9, u.reason());
                    failed++;
                }
            }
            assertTrue(failed >= 1, "at least the last 64 MB message cannot have arrived before the kill");
        } finally {
            if (child != null) {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
            ActorTestKit.shutdown(system, Duration.ofSeconds(30), false);
        }
    }
}
