package io.fedsllm.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The courier of one node (see {@link Courier}), sending side: per destination node it learns the port of that
 * node's {@link CourierServer} by asking its courier actor over Artery (and death-watches it), then sends the
 * node's messages in call order over one {@link CourierConnection}; it completes each send with the answer, and
 * fails every unfinished send to a node whose courier terminated, whose connection broke or made no progress for
 * {@code ack-timeout}. Receiving side: it answers port queries.
 */
final class CourierActor extends AbstractBehavior<CourierActor.Command> {

    sealed interface Command {}

    /** Messages between the couriers of two nodes over Artery (jackson-cbor). */
    sealed interface Wire extends Command {}

    /** Which port does your {@link CourierServer} listen on? */
    record PortQuery(ActorRef<Command> replyTo) implements Wire {}

    /** {@code courier}'s server listens on {@code port} (of its node's canonical host). */
    record PortReply(ActorRef<Command> courier, int port) implements Wire {}

    /** From {@link Courier#send}: a message for an actor of another node, serialized. Local only. */
    record Send(ActorRef<?> target, String what, Payload payload, CompletableFuture<Done> done)
            implements Command, NoSerializationVerificationNeeded {}

    /**
     * From a connection's reader: the destination delivered the transfer (refusal null) or refused it, for
     * {@code refusal} ({@code cause}: what kept it from its target).
     */
    record Answer(CourierConnection connection, long transfer, Courier.Cause cause, String refusal)
            implements Command, NoSerializationVerificationNeeded {}

    /** From a connection's threads: it broke. */
    record ConnectionDown(CourierConnection connection, String reason) implements Command, NoSerializationVerificationNeeded {}

    /** The courier of a destination node terminated (or never existed). */
    private record PeerGone(Address node) implements Command, NoSerializationVerificationNeeded {}

    /** Checks connections for silence longer than {@code ack-timeout}. */
    private enum Tick implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /** A destination node: its courier actor, its connection once the port is known, the unfinished sends in order. */
    private static final class Peer {
        final Address node;
        final ActorRef<Command> courier;
        final List<Outgoing> unfinished = new ArrayList<>();
        CourierConnection connection;
        long sinceNanos;

        Peer(Address node, ActorRef<Command> courier) {
            this.node = node;
            this.courier = courier;
        }
    }

    private record Outgoing(long id, Peer peer, Send send, String target) {}

    private final CourierSettings settings;
    private final CourierTls tls;
    private final int serverPort;
    private final ActorRefResolver resolver;
    private final Map<Address, Peer> peers = new HashMap<>();
    private final Map<Long, Outgoing> outgoing = new HashMap<>();
    private long nextTransfer = 1;

    static Behavior<Command> create(CourierSettings settings, CourierTls tls, int serverPort) {
        Duration tick = settings.ackTimeout().dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0
                ? settings.ackTimeout().dividedBy(4) : Duration.ofSeconds(1);
        // A bug in here must not leave the node without a courier: restart (failing the sends in progress, below).
        return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, tick);
            return new CourierActor(ctx, settings, tls, serverPort);
        }))).onFailure(SupervisorStrategy.restart());
    }

    private CourierActor(ActorContext<Command> ctx, CourierSettings settings, CourierTls tls, int serverPort) {
        super(ctx);
        this.settings = settings;
        this.tls = tls;
        this.serverPort = serverPort;
        this.resolver = ActorRefResolver.get(ctx.getSystem());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Send.class, this::onSend)
                .onMessage(PortQuery.class, q -> {
                    q.replyTo().tell(new PortReply(getContext().getSelf(), serverPort));
                    return this;
                })
                .onMessage(PortReply.class, this::onPortReply)
                .onMessage(Answer.class, this::onAnswer)
                .onMessage(ConnectionDown.class, this::onConnectionDown)
                .onMessage(PeerGone.class, this::onPeerGone)
                .onMessage(Tick.class, t -> onTick())
                .onSignal(PostStop.class, s -> dropAll(Courier.Cause.SENDER,
                        "the sending node's courier stopped (its actor system is terminating)"))
                .onSignal(PreRestart.class, s -> dropAll(Courier.Cause.NODE,
                        "the sending node's courier failed and restarts (see its log)"))
                .build();
    }

    private Behavior<Command> onSend(Send s) {
        Address node = s.target().path().address();
        Peer peer = peers.computeIfAbsent(node, this::connect);
        if (peer.unfinished.isEmpty()) {
            peer.sinceNanos = System.nanoTime();   // silence counts from the moment there is something to hear about
        }
        Outgoing o = new Outgoing(nextTransfer++, peer, s, resolver.toSerializationFormat(s.target()));
        outgoing.put(o.id(), o);
        peer.unfinished.add(o);
        if (peer.connection != null) {
            transmit(o);
        }
        return this;
    }

    private Peer connect(Address node) {
        ActorRef<Command> courier = resolver.resolveActorRef(node + "/system/" + Courier.NAME);
        getContext().watchWith(courier, new PeerGone(node));
        courier.tell(new PortQuery(getContext().getSelf()));
        return new Peer(node, courier);
    }

    private Behavior<Command> onPortReply(PortReply r) {
        Peer peer = peers.get(r.courier().path().address());
        if (peer != null && peer.connection == null) {
            peer.connection = new CourierConnection(peer.node.toString(), peer.node.getHost().get(), r.port(), settings, tls,
                    getContext().getSelf());
            peer.sinceNanos = System.nanoTime();
            peer.unfinished.forEach(this::transmit);
        }
        return this;
    }

    private void transmit(Outgoing o) {
        o.peer().connection.send(new CourierConnection.Frame(o.id(), o.target(), o.send().payload()));
    }

    private Behavior<Command> onAnswer(Answer a) {
        Outgoing o = outgoing.get(a.transfer());
        if (o == null || o.peer().connection != a.connection()) {
            return this;
        }
        outgoing.remove(o.id());
        o.peer().unfinished.remove(o);
        o.peer().sinceNanos = System.nanoTime();
        if (a.refusal() == null) {
            o.send().done().complete(Done.getInstance());
        } else {
            fail(o, a.cause(), "node " + o.peer().node + " refused it: " + a.refusal());
        }
        return this;
    }

    private Behavior<Command> onConnectionDown(ConnectionDown d) {
        for (Peer p : List.copyOf(peers.values())) {
            if (p.connection == d.connection()) {
                dropPeer(p, Courier.Cause.NODE, d.reason());
            }
        }
        return this;
    }

    private Behavior<Command> onPeerGone(PeerGone g) {
        Peer peer = peers.get(g.node());
        if (peer != null) {
            dropPeer(peer, Courier.Cause.NODE, "the courier of node " + g.node() + " terminated or does not exist (the node stopped, left or"
                    + " was downed, or it never started its Courier)");
        }
        return this;
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        for (Peer peer : List.copyOf(peers.values())) {
            long last = Math.max(peer.sinceNanos, peer.connection == null ? 0 : peer.connection.progressNanos());
            if (!peer.unfinished.isEmpty() && now - last > settings.ackTimeout().toNanos()) {
                dropPeer(peer, Courier.Cause.NODE, "node " + peer.node + " made no progress for " + settings.ackTimeout().toMillis()
                        + " ms (fedsllm.cluster.courier.ack-timeout): it is unreachable, gone or overloaded");
            }
        }
        return this;
    }

    private Behavior<Command> dropAll(Courier.Cause cause, String reason) {
        for (Peer p : List.copyOf(peers.values())) {
            dropPeer(p, cause, reason);
        }
        return this;
    }

    /** Fails every unfinished send to the peer, closes its connection and forgets it (the next send starts afresh). */
    private void dropPeer(Peer peer, Courier.Cause cause, String reason) {
        peers.remove(peer.node);
        getContext().unwatch(peer.courier);
        if (peer.connection != null) {
            peer.connection.close();
        }
        for (Outgoing o : peer.unfinished) {
            outgoing.remove(o.id());
            fail(o, cause, reason);
        }
        peer.unfinished.clear();
    }

    private void fail(Outgoing o, Courier.Cause cause, String reason) {
        getContext().getLog().debug("courier: cannot deliver {}: {}", o.send().what(), reason);
        o.send().done().completeExceptionally(new Courier.Undeliverable(o.send().what(), cause, reason));
    }
}
