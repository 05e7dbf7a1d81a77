package io.fedsllm.emu;

import io.fedsllm.cluster.Courier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every actor of the emulator sends a message to another (the one place that chooses): to an actor of its own
 * ActorSystem — in one JVM, every message — a plain {@code tell}; to an actor on another node of a cluster, through
 * the {@link Courier}, whatever its size. Artery drops a message above its frame with only a log line, and a GPT-2
 * small activation mini-batch is 25 MB.
 *
 * <p>Every message to another node, not only those with tensors, goes through the courier: the courier orders the
 * messages from one node to another, Artery orders those from one actor to another, but the two are not ordered with
 * each other, and the protocol relies on the order of a payload and a small message from one sender to one target:
 * a party's {@code Restore} (its state) before the next round's plan, the main server's gradients to a client it
 * left out of an iteration (nothing else orders them) before that client's next {@code StartIteration}, and, after a
 * restart, an old party's last words before its guardian's announcement of the new one. With one channel per node pair every order the protocol saw in
 * one JVM holds on a cluster (only Pekko's own traffic stays on Artery: membership, the Receptionist, death watch).
 *
 * <p>A message that cannot be delivered never vanishes: its failure is told to the coordinator
 * ({@link Coordinator.Undelivered}, with the message's type, its target and the cause; as a plain tell, not through
 * the courier that just failed), which acts by cause: a target gone from a live node is a dead letter as in one JVM
 * (its guardian reports the stop), a client whose node cannot be reached is dropped with its node's clients, anything
 * else ends the run. Only a failure because this node's own actor system is terminating is merely logged: its run is
 * over, or its node is gone and the coordinator learns that through its death watch.
 */
final class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Courier courier;
    private ActorRef<Coordinator.Command> coordinator;

    private Outbox(Courier courier, ActorRef<Coordinator.Command> coordinator) {
        this.courier = courier;
        this.coordinator = coordinator;
    }

    /** The outbox of an actor of {@code system}; failures go to {@code coordinator} (null: not known yet, logged). */
    static Outbox of(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator) {
        return new Outbox(Courier.get(system), coordinator);
    }

    /** From now on failures go to {@code coordinator} (a party learns it with its peers). */
    void reportTo(ActorRef<Coordinator.Command> coordinator) {
        this.coordinator = coordinator;
    }

    /** Sends {@code message} to {@code target}: a tell in this ActorSystem, the courier to another node. */
    <T> void send(ActorRef<T> target, T message) {
        if (courier.isLocal(target)) {
            target.tell(message);   // one JVM: exactly a tell, nothing else
            return;
        }
        ActorRef<Coordinator.Command> report = coordinator;
        courier.send(target, message).whenComplete((ok, error) -> {
            if (error != null) {
                undelivered(report, target, message, error);
            }
        });
    }

    /** Runs on the courier's thread: nothing of the sending actor's state is touched. */
    private static void undelivered(ActorRef<Coordinator.Command> report, ActorRef<?> target, Object message,
            Throwable error) {
        Courier.Undelivered u = Courier.Undelivered.of(target, message, error);
        String type = typeName(message.getClass());
        if (u.cause() == Courier.Cause.SENDER) {
            LOG.debug("{} to {} not delivered: {}", type, target.path(), u.reason());
            return;
        }
        LOG.warn("{} to {} not delivered: {}", type, target.path(), u.reason());
        if (report == null) {
            LOG.error("{} to {} not delivered and no coordinator known to tell: {}", type, target.path(), u.reason());
            return;
        }
        report.tell(new Coordinator.Undelivered(type, target, u.cause(), u.reason()));
    }

    /** A protocol message's type as its sources name it: {@code MainServer.Activations}. */
    static String typeName(Class<?> type) {
        String name = type.getName();
        return name.substring(name.lastIndexOf('.') + 1).replace('$', '.');
    }
}
