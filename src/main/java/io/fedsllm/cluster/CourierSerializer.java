package io.fedsllm.cluster;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Binary form of the couriers' {@link CourierActor.Wire} messages. Artery hands a {@link ByteBufferSerializer} its
 * pooled frame buffer, so a chunk's bytes go from the serialized message straight into the frame (jackson-cbor would
 * copy each chunk three times: out of the message, into its builder, out of the builder).
 */
public final class CourierSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
    /** Serializer id; Pekko reserves 0..40. */
    static final int IDENTIFIER = 1_702_011;

    private static final String CHUNK = "C";
    private static final String ACK = "A";
    private static final String DELIVERED = "D";
    private static final String REFUSED = "R";

    private final ExtendedActorSystem system;

    public CourierSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof CourierActor.Chunk) {
            return CHUNK;
        } else if (o instanceof CourierActor.Ack) {
            return ACK;
        } else if (o instanceof CourierActor.Delivered) {
            return DELIVERED;
        } else if (o instanceof CourierActor.Refused) {
            return REFUSED;
        }
        throw new IllegalArgumentException("not a courier message: " + o.getClass());
    }

    @Override
    public byte[] toBinary(Object o) {
        ByteBuffer buf = ByteBuffer.allocate(size(o));
        toBinary(o, buf);
        return buf.array();
    }

    @Override
    public void toBinary(Object o, ByteBuffer buf) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        if (o instanceof CourierActor.Chunk c) {
            putString(buf, resolver().toSerializationFormat(c.from()));
            buf.putLong(c.transfer()).putInt(c.index()).putInt(c.count()).putLong(c.totalBytes());
            putString(buf, c.target());
            buf.putInt(c.serializerId());
            putString(buf, c.manifest());
            buf.putInt(c.length());
            buf.put(c.data(), c.offset(), c.length());
        } else if (o instanceof CourierActor.Ack a) {
            buf.putLong(a.transfer()).putInt(a.received());
        } else if (o instanceof CourierActor.Delivered d) {
            buf.putLong(d.transfer());
        } else if (o instanceof CourierActor.Refused r) {
            buf.putLong(r.transfer());
            putString(buf, r.reason());
        } else {
            throw new IllegalArgumentException("not a courier message: " + o.getClass());
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return fromBinary(ByteBuffer.wrap(bytes), manifest);
    }

    @Override
    public Object fromBinary(ByteBuffer buf, String manifest) throws NotSerializableException {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        switch (manifest) {
            case CHUNK -> {
                ActorRef<CourierActor.Command> from = resolver().resolveActorRef(getString(buf));
                long transfer = buf.getLong();
                int index = buf.getInt();
                int count = buf.getInt();
                long total = buf.getLong();
                String target = getString(buf);
                int serializerId = buf.getInt();
                String messageManifest = getString(buf);
                byte[] data = new byte[buf.getInt()];
                buf.get(data);
                return new CourierActor.Chunk(from, transfer, index, count, total, target, serializerId, messageManifest,
                        data, 0, data.length);
            }
            case ACK -> {
                return new CourierActor.Ack(buf.getLong(), buf.getInt());
            }
            case DELIVERED -> {
                return new CourierActor.Delivered(buf.getLong());
            }
            case REFUSED -> {
                return new CourierActor.Refused(buf.getLong(), getString(buf));
            }
            default -> throw new NotSerializableException("unknown courier manifest '" + manifest + "'");
        }
    }

    /** Exact serialized size (for the byte[] form). */
    private int size(Object o) {
        if (o instanceof CourierActor.Chunk c) {
            return 4 + utf8(resolver().toSerializationFormat(c.from())).length + 8 + 4 + 4 + 8 + 4 + utf8(c.target()).length
                    + 4 + 4 + utf8(c.manifest()).length + 4 + c.length();
        } else if (o instanceof CourierActor.Refused r) {
            return 8 + 4 + utf8(r.reason()).length;
        }
        return 12;
    }

    private ActorRefResolver resolver() {
        return ActorRefResolver.get(Adapter.toTyped(system));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer buf, String s) {
        byte[] b = utf8(s);
        buf.putInt(b.length).put(b);
    }

    private static String getString(ByteBuffer buf) {
        byte[] b = new byte[buf.getInt()];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
