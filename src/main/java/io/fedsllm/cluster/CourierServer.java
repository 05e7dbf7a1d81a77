package io.fedsllm.cluster;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.apache.pekko.actor.InternalActorRef;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of a node's courier: accepts connections from other nodes' couriers (TLS with a certificate of
 * the cluster's CA, or plain TCP on an insecure cluster) and, per connection on its own thread, reads messages
 * (see {@link CourierConnection} for the frame), deserializes each, tells it to its local target and answers
 * delivered or refused with the reason.
 */
final class CourierServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CourierServer.class);

    private final ServerSocket server;
    private final CourierSettings settings;
    private final Serialization serialization;
    private final ActorRefResolver resolver;
    private final String node;
    private volatile boolean closed;
    /** Accepted connections, closed with the server. */
    private final java.util.Set<Socket> connections = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Binds {@code host:settings.dataPort()} and starts accepting.
     *
     * @param node this node's address, for messages
     */
    CourierServer(String host, CourierSettings settings, CourierTls tls, Serialization serialization,
                  ActorRefResolver resolver, String node) throws IOException {
        this.settings = settings;
        this.serialization = serialization;
        this.resolver = resolver;
        this.node = node;
        this.server = tls == null ? new ServerSocket() : tls.server();
        server.bind(new InetSocketAddress(host, settings.dataPort()), 64);
        Thread acceptor = new Thread(this::accept, "fedsllm-courier-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port other couriers connect to. */
    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.add(s);
                if (closed) {
                    s.close();
                }
                Thread t = new Thread(() -> serve(s), "fedsllm-courier-in-" + s.getRemoteSocketAddress());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("courier: accepting a connection failed: {}", e.toString());
                }
            }
        }
    }

    /** One connection: messages until the other side closes it; a stalled or broken one is closed. */
    private void serve(Socket socket) {
        try (socket) {
            serveMessages(socket);
        } catch (EOFException e) {
            LOG.warn("courier: connection from {} ended in the middle of a message", socket.getRemoteSocketAddress());
        } catch (IOException e) {
            if (!closed) {
                LOG.warn("courier: connection from {} failed: {}", socket.getRemoteSocketAddress(), e.toString());
            }
        } finally {
            connections.remove(socket);
        }
    }

    /** Messages until the other side closes the connection; a stalled or broken one throws. */
    private void serveMessages(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) settings.ackTimeout().toMillis());
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 12));
        while (!closed) {
            int first;
            try {
                first = in.read();
            } catch (SocketTimeoutException idle) {
                continue;   // no message for a while: fine between messages
            }
            if (first < 0) {
                return;
            }
            long transfer = first;   // the frame's first 8 bytes, big-endian; the first one read apart above
            for (int i = 0; i < 7; i++) {
                transfer = (transfer << 8) | in.readUnsignedByte();
            }
            Refusal refusal = receive(in);
            out.writeLong(transfer);
            out.writeBoolean(refusal == null);
            if (refusal != null) {
                out.writeByte(refusal.cause().ordinal());
                out.writeUTF(refusal.reason().length() > 2000 ? refusal.reason().substring(0, 2000) : refusal.reason());
                LOG.warn("courier: refused a message from {}: {}", socket.getRemoteSocketAddress(), refusal.reason());
            }
            out.flush();
        }
    }

    /** Why a message was not delivered: what kept it from its target, in words. */
    private record Refusal(Courier.Cause cause, String reason) {}

    /** The cause of a refusal from its ordinal on the wire; an unknown one (another version) counts as the node's. */
    static Courier.Cause cause(int ordinal) {
        Courier.Cause[] all = Courier.Cause.values();
        return ordinal < all.length ? all[ordinal] : Courier.Cause.NODE;
    }

    /** Reads the rest of one message and delivers it; why it was not delivered, or null. */
    private Refusal receive(DataInputStream in) throws IOException {
        String target = in.readUTF();
        int serializerId = in.readInt();
        String manifest = in.readUTF();
        int length = in.readInt();
        if (length < 0 || length > settings.maxMessageSize()) {
            skip(in, length);
            return new Refusal(Courier.Cause.MESSAGE, "its " + length + " bytes exceed "
                    + "fedsllm.cluster.courier.max-message-size = " + settings.maxMessageSize() + " of the receiving node");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        ActorRef<Object> ref;
        try {
            ref = resolver.resolveActorRef(target);
        } catch (RuntimeException e) {
            return new Refusal(Courier.Cause.TARGET, "its target " + target + " cannot be resolved: " + e.getMessage());
        }
        if (!ref.path().address().hasLocalScope()) {
            return new Refusal(Courier.Cause.TARGET, "its target " + target + " is not an actor of node " + node);
        }
        if (isTerminated(ref)) {   // a tell to a dead actor would vanish into dead letters
            return new Refusal(Courier.Cause.TARGET, "its target " + target + " does not exist or has stopped on node "
                    + node);
        }
        Object message;
        try {
            message = serialization.deserialize(bytes, serializerId, manifest).get();
        } catch (Exception e) {
            return new Refusal(Courier.Cause.MESSAGE, "it cannot be deserialized (" + manifest + "): " + e);
        }
        ref.tell(message);
        return null;
    }

    private static void skip(DataInputStream in, int length) throws IOException {
        byte[] sink = new byte[1 << 16];
        for (long left = Integer.toUnsignedLong(length); left > 0; ) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) {
                throw new EOFException();
            }
            left -= n;
        }
    }

    /**
     * Whether the local target is dead or was never there. Pekko's public API only tells this asynchronously (death
     * watch), so the courier asks the actor ref itself (internal API, pinned by CourierClusterTest's missing target).
     */
    static boolean isTerminated(ActorRef<?> target) {
        return ((InternalActorRef) Adapter.toClassic(target)).isTerminated();
    }
}
