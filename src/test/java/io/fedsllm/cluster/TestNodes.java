package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** Cluster nodes in the test JVM: ActorSystems on loopback ports built by {@link NodeConfig}, each with its courier. */
final class TestNodes {
    private TestNodes() {}

    /** Settings every in-JVM node gets: several clusters' MBeans in one JVM, message serialization checked, test bindings. */
    static final String IN_JVM = """
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.actor.serialize-messages = on
            pekko.actor.serialization-bindings { "io.fedsllm.cluster.TestMessage" = jackson-cbor }
            pekko.loglevel = "WARNING"
            """;

    static int freePort() {
        return HostPort.freeLoopbackPort();
    }

    /**
     * Starts a node on 127.0.0.1:{@code port} that joins through 127.0.0.1:{@code seedPort}; TLS with the folder
     * {@code tlsDir}, or plain TCP when it is null. {@code hocon} overrides anything (e.g. courier settings).
     */
    static ActorSystem<Void> start(Role role, int port, int seedPort, Path tlsDir, String hocon) {
        Config flags = NodeSettings.flags("127.0.0.1", port, "127.0.0.1:" + seedPort, tlsDir, tlsDir == null);
        Config effective = ConfigFactory.parseString(hocon + "\n" + IN_JVM).withFallback(flags)
                .withFallback(NodeConfig.roleDefaults(role)).resolve();
        return NodeConfig.start(Behaviors.empty(), NodeSettings.from(effective, role), effective);
    }

    /** Members of the cluster as {@code system} sees them that are Up. */
    static long upMembers(ActorSystem<?> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up()).count();
    }

    /** Waits until every system sees {@code members} members Up. */
    static void awaitUp(int members, Duration timeout, ActorSystem<?>... systems) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ActorSystem<?> s : systems) {
            while (upMembers(s) < members) {
                if (System.nanoTime() > deadline) {
                    fail(s.address() + " sees " + upMembers(s) + " members up, not " + members + ", after " + timeout);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Stops the systems, whatever happened, and waits for them. */
    static void stop(ActorSystem<?>... systems) {
        for (ActorSystem<?> s : systems) {
            if (s != null) {
                ActorTestKit.shutdown(s, Duration.ofSeconds(30), false);
            }
        }
    }
}
