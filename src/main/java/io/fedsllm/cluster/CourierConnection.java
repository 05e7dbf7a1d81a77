package io.fedsllm.cluster;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The sending side of the courier towards one node: one TCP (TLS) connection, a writer thread that sends queued
 * messages in order and a reader thread that reports each answer to the courier actor. A frame is: transfer id
 * (long), target actor path with address (UTF), Pekko serializer id (int), manifest (UTF), length (int), the
 * serialized message; the answer: transfer id (long), delivered (boolean) and, if not, the refusal's cause (byte, the
 * ordinal of {@link Courier.Cause}) and reason (UTF).
 */
final class CourierConnection implements AutoCloseable {

    /** One message to send. */
    record Frame(long transfer, String target, Payload payload) {}

    private final String node;
    private final String host;
    private final int port;
    private final CourierSettings settings;
    private final CourierTls tls;
    private final ActorRef<CourierActor.Command> owner;
    private final LinkedBlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile Socket socket;
    private volatile boolean closed;
    /** Last time bytes were written or an answer arrived, System.nanoTime(). */
    private volatile long progressNanos = System.nanoTime();

    /** A connection to the courier server at {@code host:port} of {@code node} (an address, for messages). */
    CourierConnection(String node, String host, int port, CourierSettings settings, CourierTls tls,
                      ActorRef<CourierActor.Command> owner) {
        this.node = node;
        this.host = host;
        this.port = port;
        this.settings = settings;
        this.tls = tls;
        this.owner = owner;
        this.writer = new Thread(this::write, "fedsllm-courier-out-" + host + ":" + port);
        writer.setDaemon(true);
        writer.start();
    }

    void send(Frame frame) {
        queue.add(frame);
    }

    long progressNanos() {
        return progressNanos;
    }

    @Override
    public void close() {
        closed = true;
        writer.interrupt();
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void write() {
        try {
            Socket plain = new Socket();
            socket = plain;
            plain.connect(new InetSocketAddress(host, port), (int) settings.ackTimeout().toMillis());
            plain.setTcpNoDelay(true);
            Socket s = tls == null ? plain : tls.client(plain, host, port);
            socket = s;
            if (closed) {
                return;
            }
            OutputStream socketOut = s.getOutputStream();
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socketOut, 1 << 16));
            // The payload goes to the socket unbuffered (the serializer buffers its own writes): one copy less.
            OutputStream progress = new FilterOutputStream(socketOut) {   // notes progress after every write-size bytes
                private long sinceNote;

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    for (int done = 0; done < len; ) {
                        int n = (int) Math.min(len - done, settings.writeSize() - sinceNote);
                        socketOut.write(b, off + done, n);
                        done += n;
                        sinceNote += n;
                        if (sinceNote >= settings.writeSize()) {
                            sinceNote = 0;
                            progressNanos = System.nanoTime();
                        }
                    }
                }

                @Override
                public void close() {
                    // the connection stays open
                }
            };
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 12));
            Thread reader = new Thread(() -> read(in), "fedsllm-courier-answers-" + host + ":" + port);
            reader.setDaemon(true);
            reader.start();
            while (!closed) {
                Frame f = queue.take();
                out.writeLong(f.transfer());
                out.writeUTF(f.target());
                out.writeInt(f.payload().serializerId);
                out.writeUTF(f.payload().manifest);
                out.writeInt((int) f.payload().size());
                out.flush();
                f.payload().writeTo(progress);
                progressNanos = System.nanoTime();
            }
        } catch (InterruptedException e) {
            // closed
        } catch (IOException | RuntimeException e) {
            down("sending to node " + node + " (courier port " + host + ":" + port + ") failed: " + e);
        }
    }

    private void read(DataInputStream in) {
        try {
            while (!closed) {
                long transfer = in.readLong();
                boolean delivered = in.readBoolean();
                Courier.Cause cause = delivered ? null : CourierServer.cause(in.readUnsignedByte());
                String refusal = delivered ? null : in.readUTF();
                progressNanos = System.nanoTime();
                owner.tell(new CourierActor.Answer(this, transfer, cause, refusal));
            }
        } catch (IOException | RuntimeException e) {
            down("the connection to node " + node + " (courier port " + host + ":" + port + ") broke: " + e);
        }
    }

    private void down(String reason) {
        if (!closed) {
            close();
            owner.tell(new CourierActor.ConnectionDown(this, reason));
        }
    }
}
