package io.fedsllm.cluster;

import com.typesafe.config.Config;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Sends a message to an actor on any node, however large its {@code byte[]} payloads (activations, gradients, LoRA).
 * Artery drops messages above its frame size with only a log line, and its TLS stream moves about half as many bytes
 * per second as a TLS socket (docs/cluster.md), so a message for another node is serialized once with Pekko's
 * serialization (jackson-cbor, streamed, see {@link Payload}) and written on the courier's own TCP connection to the destination node (mutual TLS
 * with Artery's key and trust stores, or plain TCP on an insecure cluster), where the node's courier deserializes it
 * and tells it to the target. For an actor of the same ActorSystem it is a plain {@code tell} (no copy).
 *
 * <p>Failure semantics: {@link #send(ActorRef, Object)} completes when the message was handed to the target on its
 * node, or fails with {@link Undeliverable} and a reason: the message cannot be serialized or exceeds
 * {@code fedsllm.cluster.courier.max-message-size}; the destination node's courier is gone (node stopped, downed,
 * left, or never started a courier); its connection broke or made no progress for {@code ack-timeout}; the target
 * actor does not exist or has stopped; the receiving node cannot deserialize it. A message is never lost with
 * only a log line. Messages sent through one courier to the same node arrive in the order of the calls. Each failure
 * says what kept the message from its target ({@link Cause}): the message itself, a target actor that is gone from
 * a node that is there, a node that cannot be reached, or this node shutting down.
 *
 * <p>Every node must create its courier ({@link #get}) right after creating its ActorSystem, before it joins: it
 * starts the courier's server ({@code fedsllm.cluster.courier.data-port}) and the courier actor
 * {@code /system/fedsllm-courier}, through which other nodes learn the port.
 */
public final class Courier implements Extension {

    /** Name of the courier system actor, {@code /system/fedsllm-courier} on every node. */
    public static final String NAME = "fedsllm-courier";

    private static final ExtensionId<Courier> ID = new ExtensionId<>() {
        @Override
        public Courier createExtension(ActorSystem<?> system) {
            return new Courier(system);
        }
    };

    private final ExtendedActorSystem classic;
    private final Serialization serialization;
    private final CourierSettings settings;
    /** The courier actor; null in an ActorSystem without remoting, where every target is local. */
    private final ActorRef<CourierActor.Command> actor;
    /** The port of this node's courier server; 0 without remoting. */
    private final int serverPort;
    /** Sends not yet completed, with what they are: failed when the ActorSystem terminates (its courier is gone). */
    private final Map<CompletableFuture<Done>, String> pending = new ConcurrentHashMap<>();
    private volatile boolean terminated;

    private Courier(ActorSystem<?> system) {
        ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(system);
        this.classic = classic;
        this.serialization = SerializationExtension.get(classic);
        if (classic.provider().getDefaultAddress().hasGlobalScope()) {
            Config config = system.settings().config();
            this.settings = CourierSettings.from(config);
            CourierTls tls = CourierTls.fromArtery(config);
            String host = config.getString("pekko.remote.artery.canonical.hostname");
            CourierServer server;
            try {
                server = new CourierServer(host, settings, tls, serialization, ActorRefResolver.get(system),
                        classic.provider().getDefaultAddress().toString());
            } catch (IOException e) {
                throw new UserError("the courier cannot listen on " + host + ":" + settings.dataPort()
                        + " (fedsllm.cluster.courier.data-port; 0 = any free port): " + e.getMessage(), e);
            }
            system.getWhenTerminated().thenRun(() -> {
                server.close();
                terminated = true;
                pending.forEach((done, what) -> done.completeExceptionally(new Undeliverable(what, Cause.SENDER,
                        "the sending node's actor system terminated")));
            });
            this.serverPort = server.port();
            this.actor = system.systemActorOf(CourierActor.create(settings, tls, serverPort), NAME, Props.empty());
        } else {
            this.settings = null;
            this.actor = null;
            this.serverPort = 0;
        }
    }

    /** The courier of this ActorSystem, started on first use. */
    public static Courier get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** The port this node's courier server listens on (0 without remoting). */
    int serverPort() {
        return serverPort;
    }

    /** Whether {@code target} is an actor of this ActorSystem (or the system has no remoting): a send is a plain tell. */
    public boolean isLocal(ActorRef<?> target) {
        return actor == null || target.path().address().hasLocalScope();
    }

    /**
     * Sends {@code message} to {@code target}. Completes with {@link Done} once the message was told to the target on
     * its node (at once for a target of this ActorSystem); completes exceptionally with {@link Undeliverable} when it
     * cannot be delivered.
     */
    public <T> CompletionStage<Done> send(ActorRef<T> target, T message) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(message, "message");
        if (isLocal(target)) {
            target.tell(message);
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        String what = message.getClass().getName() + " to " + target.path();
        Payload payload;
        try {
            payload = Payload.of(message, classic, serialization);
        } catch (Exception e) {   // serializers throw checked exceptions through Scala too
            return CompletableFuture.failedFuture(new Undeliverable(what, Cause.MESSAGE, "it cannot be serialized: " + e));
        }
        if (payload.size() > settings.maxMessageSize()) {
            return CompletableFuture.failedFuture(new Undeliverable(what, Cause.MESSAGE, "its " + payload.size()
                    + " serialized bytes exceed fedsllm.cluster.courier.max-message-size = " + settings.maxMessageSize()));
        }
        CompletableFuture<Done> done = new CompletableFuture<>();
        pending.put(done, what);
        done.whenComplete((ok, error) -> pending.remove(done));
        if (terminated) {   // a Send now would go to dead letters and never complete
            done.completeExceptionally(new Undeliverable(what, Cause.SENDER, "the sending node's actor system terminated"));
        } else {
            actor.tell(new CourierActor.Send(target, what, payload, done));
        }
        return done;
    }

    /**
     * As {@link #send(ActorRef, Object)} for actors: a failure is told to {@code onFailure} as {@link Undelivered}
     * (e.g. an adapter of the sending actor, which then fails the run with the reason); success says nothing.
     */
    public <T> void send(ActorRef<T> target, T message, ActorRef<? super Undelivered> onFailure) {
        Objects.requireNonNull(onFailure, "onFailure");
        send(target, message).whenComplete((ok, error) -> {
            if (error != null) {
                onFailure.tell(Undelivered.of(target, message, error));
            }
        });
    }

    /**
     * What kept a message from its target, as far as the sender can act on it ({@link Undeliverable#cause()}).
     */
    public enum Cause {
        /**
         * The message itself cannot travel: it cannot be serialized (sender) or deserialized (receiver), or it is
         * larger than {@code max-message-size} (either side). Sending it again would fail again.
         */
        MESSAGE,
        /** The receiving node is there, but its target actor is not: it stopped, or never existed on that node. */
        TARGET,
        /**
         * The receiving node cannot be reached: its courier terminated or never existed (node stopped, left, downed),
         * the connection could not be made, broke, or made no progress for {@code ack-timeout}, or this node's
         * courier failed.
         */
        NODE,
        /** The sending node's actor system is terminating: its courier stopped with the send unfinished. */
        SENDER
    }

    /**
     * A message that could not be delivered: what was sent to whom, and why.
     *
     * @param target       the target actor's path
     * @param messageClass the message's class
     * @param reason       why it was not delivered
     * @param cause        what kept it from its target
     */
    public record Undelivered(String target, String messageClass, String reason, Cause cause) {
        /** The failure {@code error} of sending {@code message} to {@code target} ({@link #send(ActorRef, Object)}'s). */
        public static Undelivered of(ActorRef<?> target, Object message, Throwable error) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            return cause instanceof Undeliverable u
                    ? new Undelivered(target.path().toString(), message.getClass().getName(), u.reason(), u.cause())
                    : new Undelivered(target.path().toString(), message.getClass().getName(), String.valueOf(cause),
                            Cause.NODE);
        }
    }

    /** The failure of {@link #send(ActorRef, Object)}: the message was not delivered, for {@link #reason()}. */
    public static final class Undeliverable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String reason;
        private final Cause cause;

        Undeliverable(String what, Cause cause, String reason) {
            super("cannot deliver " + what + ": " + reason);
            this.reason = reason;
            this.cause = cause;
        }

        /** Why the message was not delivered. */
        public String reason() {
            return reason;
        }

        /** What kept it from its target. */
        public Cause cause() {
            return cause;
        }
    }
}
