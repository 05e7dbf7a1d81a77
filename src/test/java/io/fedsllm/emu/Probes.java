package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** Helpers of the actor-by-actor tests: probes that skip progress, a party's totals, logged rejections. */
final class Probes {
    private Probes() {}

    /** A wait bound that never runs out in these tests. */
    static final Duration NO_TIMEOUT = Duration.ofMinutes(10);

    /** No scenario: what the parties of a run without --scenario are given. */
    static final io.fedsllm.scenario.Scenario NO_SCENARIO = io.fedsllm.scenario.Scenario.none(
            io.fedsllm.scenario.ScenarioContext.from(io.fedsllm.config.ConfigLoader.withSets()));

    /** The next message of {@code type} at the coordinator probe, skipping the main server's progress messages. */
    static <T extends Coordinator.Command> T next(TestProbe<Coordinator.Command> coordinator, Class<T> type) {
        while (true) {
            Coordinator.Command m = coordinator.receiveMessage(Duration.ofSeconds(10));
            if (type.isInstance(m)) {
                return type.cast(m);
            }
            if (!(m instanceof Coordinator.IterationProgress)) {
                fail("expected " + type.getSimpleName() + " at the coordinator, got " + m);
            }
        }
    }

    /** Stops a party and returns its totals (messages, rejections, types received). */
    static PartyAudit.PartyStats stop(ActorTestKit kit, java.util.function.Function<ActorRef<Coordinator.Command>, ?> stop,
            ActorRef<?> party) {
        TestProbe<Coordinator.Command> probe = kit.createTestProbe(Coordinator.Command.class);
        @SuppressWarnings("unchecked")
        ActorRef<Object> p = (ActorRef<Object>) party;
        p.tell(stop.apply(probe.ref()));
        Coordinator.Command m = probe.receiveMessage(Duration.ofSeconds(10));
        if (m instanceof Coordinator.PartyStopped s) {
            return s.stats();
        }
        throw new AssertionError("expected PartyStopped, got " + m);
    }

    static long rejected(ActorTestKit kit, ActorRef<MainServer.Command> server) {
        return stop(kit, MainServer.Stop::new, server).rejected();
    }

    static long rejectedByFed(ActorTestKit kit, ActorRef<FedServer.Command> fed) {
        return stop(kit, FedServer.Stop::new, fed).rejected();
    }

    static long rejectedByClient(ActorTestKit kit, ActorRef<Client.Command> client) {
        return stop(kit, Client.Stop::new, client).rejected();
    }

    /** Runs {@code send} and expects one WARN per message naming {@code who} rejecting it and containing {@code reason}. */
    static void expectRejected(ActorTestKit kit, String who, String reason, int times, Runnable send) {
        LoggingTestKit.warn(who + " rejected").withMessageContains(reason).withOccurrences(times)
                .expect(kit.system(), () -> {
                    send.run();
                    return null;
                });
    }
}
