package io.fedsllm.cluster;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.InternalActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.serialization.Serialization;

/**
 * The courier of one node (see {@link Courier}): the sending side cuts serialized messages into chunks and keeps at
 * most {@code window} chunks unacknowledged per destination node, transfers to one node one after the other (so
 * they arrive in order); the receiving side reassembles, acknowledges each chunk, tells the message to its local
 * target and confirms, or refuses with a reason. Both sides give up on silence after {@code ack-timeout}.
 */
final class CourierActor extends AbstractBehavior<CourierActor.Command> {

    sealed interface Command {}

    /** Messages between the couriers of two nodes (serialized by {@link CourierSerializer}, on Artery's large-message channel). */
    sealed interface Wire extends Command {}

    /**
     * Chunk {@code index} of {@code count} of transfer {@code transfer} of {@code from}: bytes {@code offset ..
     * offset + length} of {@code data} (on the sending side the whole serialized message, never copied; on the
     * receiving side the chunk alone). Every chunk repeats the header (a few hundred bytes) so that the first one to
     * arrive opens the transfer.
     */
    record Chunk(ActorRef<Command> from, long transfer, int index, int count, long totalBytes, String target,
                 int serializerId, String manifest, byte[] data, int offset, int length) implements Wire {}

    /** The receiver holds the first {@code received} chunks of the transfer. */
    record Ack(long transfer, int received) implements Wire {}

    /** The message was told to its target. */
    record Delivered(long transfer) implements Wire {}

    /** The message will not be delivered, for {@code reason}. */
    record Refused(long transfer, String reason) implements Wire {}

    /** From {@link Courier#send}: a message for an actor of another node. Local only. */
    record Send(ActorRef<?> target, String what, Courier.Serialized payload, CompletableFuture<Done> done)
            implements Command, NoSerializationVerificationNeeded {}

    /** The courier of a destination node terminated (or never existed). */
    private record PeerGone(Address node) implements Command, NoSerializationVerificationNeeded {}

    /** Checks both sides for silence longer than {@code ack-timeout}. */
    private enum Tick implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /** A destination node: its courier and the transfers to it that are not finished, oldest first. */
    private static final class Peer {
        final Address node;
        final ActorRef<Command> courier;
        final ArrayDeque<Outgoing> unsent = new ArrayDeque<>();
        final List<Outgoing> unfinished = new ArrayList<>();
        int inFlight;
        long heardNanos;

        Peer(Address node, ActorRef<Command> courier) {
            this.node = node;
            this.courier = courier;
        }
    }

    private static final class Outgoing {
        final long id;
        final Peer peer;
        final Send send;
        final String target;
        final int count;
        int nextIndex;
        int acked;

        Outgoing(long id, Peer peer, Send send, String target, int count) {
            this.id = id;
            this.peer = peer;
            this.send = send;
            this.target = target;
            this.count = count;
        }
    }

    private record InKey(ActorRef<Command> from, long transfer) {}

    private static final class Incoming {
        final ActorRef<Object> target;
        final byte[] buffer;
        final int count;
        int filled;
        int received;
        long heardNanos;

        Incoming(ActorRef<Object> target, int size, int count) {
            this.target = target;
            this.buffer = new byte[size];
            this.count = count;
        }
    }

    private final CourierSettings settings;
    private final Serialization serialization;
    private final ActorRefResolver resolver;
    private final Map<Address, Peer> peers = new HashMap<>();
    private final Map<Long, Outgoing> outgoing = new HashMap<>();
    private final Map<InKey, Incoming> incoming = new HashMap<>();
    private long nextTransfer = 1;

    static Behavior<Command> create(CourierSettings settings, Serialization serialization) {
        Duration tick = settings.ackTimeout().dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0
                ? settings.ackTimeout().dividedBy(4) : Duration.ofSeconds(1);
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, tick);
            return new CourierActor(ctx, settings, serialization);
        }));
    }

    private CourierActor(ActorContext<Command> ctx, CourierSettings settings, Serialization serialization) {
        super(ctx);
        this.settings = settings;
        this.serialization = serialization;
        this.resolver = ActorRefResolver.get(ctx.getSystem());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Send.class, this::onSend)
                .onMessage(Ack.class, this::onAck)
                .onMessage(Delivered.class, this::onDelivered)
                .onMessage(Refused.class, this::onRefused)
                .onMessage(PeerGone.class, this::onPeerGone)
                .onMessage(Chunk.class, this::onChunk)
                .onMessage(Tick.class, t -> onTick())
                .build();
    }

    // ---- sending side ------------------------------------------------------------------------------------

    private Behavior<Command> onSend(Send s) {
        Address node = s.target().path().address();
        Peer peer = peers.computeIfAbsent(node, this::connect);
        if (peer.unfinished.isEmpty()) {
            peer.heardNanos = System.nanoTime();   // silence counts from the moment there is something to hear about
        }
        int size = s.payload().bytes().length;
        int count = Math.max(1, (int) ((size + (long) settings.chunkSize() - 1) / settings.chunkSize()));
        Outgoing o = new Outgoing(nextTransfer++, peer, s, resolver.toSerializationFormat(s.target()), count);
        outgoing.put(o.id, o);
        peer.unsent.add(o);
        peer.unfinished.add(o);
        pump(peer);
        return this;
    }

    private Peer connect(Address node) {
        ActorRef<Command> courier = resolver.resolveActorRef(node + "/system/" + Courier.NAME);
        getContext().watchWith(courier, new PeerGone(node));
        return new Peer(node, courier);
    }

    /** Sends chunks while the window has room. */
    private void pump(Peer peer) {
        while (peer.inFlight < settings.window() && !peer.unsent.isEmpty()) {
            Outgoing o = peer.unsent.peek();
            byte[] bytes = o.send.payload().bytes();
            int from = o.nextIndex * settings.chunkSize();
            int to = Math.min(bytes.length, from + settings.chunkSize());
            peer.courier.tell(new Chunk(getContext().getSelf(), o.id, o.nextIndex, o.count, bytes.length, o.target,
                    o.send.payload().serializerId(), o.send.payload().manifest(), bytes, from, to - from));
            o.nextIndex++;
            peer.inFlight++;
            if (o.nextIndex == o.count) {
                peer.unsent.poll();
            }
        }
    }

    private Behavior<Command> onAck(Ack a) {
        Outgoing o = outgoing.get(a.transfer());
        if (o != null && a.received() > o.acked) {
            o.peer.heardNanos = System.nanoTime();
            o.peer.inFlight -= a.received() - o.acked;
            o.acked = a.received();
            pump(o.peer);
        }
        return this;
    }

    private Behavior<Command> onDelivered(Delivered d) {
        Outgoing o = finish(d.transfer());
        if (o != null) {
            o.send.done().complete(Done.getInstance());
            pump(o.peer);
        }
        return this;
    }

    private Behavior<Command> onRefused(Refused r) {
        Outgoing o = finish(r.transfer());
        if (o != null) {
            fail(o, "node " + o.peer.node + " refused it: " + r.reason());
            pump(o.peer);
        }
        return this;
    }

    /** Removes a transfer; its chunks still in flight no longer count against the window. */
    private Outgoing finish(long transfer) {
        Outgoing o = outgoing.remove(transfer);
        if (o != null) {
            o.peer.heardNanos = System.nanoTime();
            o.peer.inFlight -= o.nextIndex - o.acked;
            o.peer.unsent.remove(o);
            o.peer.unfinished.remove(o);
        }
        return o;
    }

    private Behavior<Command> onPeerGone(PeerGone g) {
        Peer peer = peers.get(g.node());
        if (peer != null) {
            dropPeer(peer, "the courier of node " + g.node() + " terminated or does not exist (the node stopped, left or"
                    + " was downed, or it never started its Courier)");
        }
        return this;
    }

    /** Fails every unfinished transfer to the peer and forgets it (the next send connects afresh). */
    private void dropPeer(Peer peer, String reason) {
        peers.remove(peer.node);
        getContext().unwatch(peer.courier);
        for (Outgoing o : List.copyOf(peer.unfinished)) {
            outgoing.remove(o.id);
            fail(o, reason);
        }
    }

    private void fail(Outgoing o, String reason) {
        getContext().getLog().debug("courier: cannot deliver {}: {}", o.send.what(), reason);
        o.send.done().completeExceptionally(new Courier.Undeliverable(o.send.what(), reason));
    }

    // ---- receiving side ----------------------------------------------------------------------------------

    private Behavior<Command> onChunk(Chunk c) {
        InKey key = new InKey(c.from(), c.transfer());
        Incoming in = incoming.get(key);
        if (in == null) {
            if (c.index() != 0) {
                return this;   // the rest of a transfer already refused or dropped
            }
            in = open(c);
            if (in == null) {
                return this;
            }
            incoming.put(key, in);
        }
        if (c.index() != in.received || in.filled + c.length() > in.buffer.length) {
            incoming.remove(key);
            refuse(c, "chunk " + c.index() + " of " + c.length() + " bytes does not follow chunk " + (in.received - 1));
            return this;
        }
        System.arraycopy(c.data(), c.offset(), in.buffer, in.filled, c.length());
        in.filled += c.length();
        in.received++;
        in.heardNanos = System.nanoTime();
        c.from().tell(new Ack(c.transfer(), in.received));
        if (in.received == in.count) {
            incoming.remove(key);
            deliver(c, in);
        }
        return this;
    }

    /** Opens a transfer on its first chunk, or refuses it (null). */
    private Incoming open(Chunk c) {
        if (c.totalBytes() > settings.maxMessageSize() || c.totalBytes() < 0) {
            refuse(c, "its " + c.totalBytes() + " bytes exceed fedsllm.cluster.courier.max-message-size = "
                    + settings.maxMessageSize() + " of the receiving node");
            return null;
        }
        ActorRef<Object> target;
        try {
            target = resolver.resolveActorRef(c.target());
        } catch (RuntimeException e) {
            refuse(c, "its target " + c.target() + " cannot be resolved: " + e.getMessage());
            return null;
        }
        if (!target.path().address().hasLocalScope()) {
            refuse(c, "its target " + c.target() + " is not an actor of node " + selfAddress());
            return null;
        }
        if (isTerminated(target)) {   // refuse before tens of MB travel for nothing
            refuse(c, targetGone(c.target()));
            return null;
        }
        return new Incoming(target, (int) c.totalBytes(), c.count());
    }

    private void deliver(Chunk last, Incoming in) {
        if (in.filled != in.buffer.length) {
            refuse(last, "it arrived with " + in.filled + " of its " + in.buffer.length + " bytes");
            return;
        }
        Object message;
        try {
            message = serialization.deserialize(in.buffer, last.serializerId(), last.manifest()).get();
        } catch (Exception e) {
            refuse(last, "it cannot be deserialized (" + last.manifest() + "): " + e);
            return;
        }
        if (isTerminated(in.target)) {
            refuse(last, targetGone(last.target()));
            return;
        }
        in.target.tell(message);
        last.from().tell(new Delivered(last.transfer()));
    }

    private void refuse(Chunk c, String reason) {
        getContext().getLog().warn("courier: refused a message from {}: {}", c.from().path().address(), reason);
        c.from().tell(new Refused(c.transfer(), reason));
    }

    private String targetGone(String target) {
        return "its target " + target + " does not exist or has stopped on node " + selfAddress();
    }

    private String selfAddress() {
        return Adapter.toClassic(getContext().getSystem()).provider().getDefaultAddress().toString();
    }

    /**
     * Whether the local target is dead or was never there. Pekko's public API only tells this asynchronously (death
     * watch); a tell to a dead actor would vanish into dead letters, so the courier asks the actor ref itself
     * (internal API, pinned by CourierTest's test of a missing target).
     */
    private static boolean isTerminated(ActorRef<?> target) {
        return ((InternalActorRef) Adapter.toClassic(target)).isTerminated();
    }

    // ---- both sides ----------------------------------------------------------------------------------------

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        long limit = settings.ackTimeout().toNanos();
        for (Peer peer : List.copyOf(peers.values())) {
            if (!peer.unfinished.isEmpty() && now - peer.heardNanos > limit) {
                dropPeer(peer, "node " + peer.node + " acknowledged nothing for " + settings.ackTimeout().toMillis()
                        + " ms (fedsllm.cluster.courier.ack-timeout): it is unreachable, gone or overloaded");
            }
        }
        for (Iterator<Map.Entry<InKey, Incoming>> it = incoming.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<InKey, Incoming> e = it.next();
            if (now - e.getValue().heardNanos > limit) {
                it.remove();
                getContext().getLog().warn("courier: dropped a partly received message from {} ({} of {} chunks): no chunk"
                        + " for {} ms", e.getKey().from().path().address(), e.getValue().received, e.getValue().count,
                        settings.ackTimeout().toMillis());
                e.getKey().from().tell(new Refused(e.getKey().transfer(), "no chunk arrived for "
                        + settings.ackTimeout().toMillis() + " ms"));
            }
        }
        return this;
    }
}
