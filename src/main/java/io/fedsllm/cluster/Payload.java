package io.fedsllm.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * A message in Pekko's serialized form as the courier sends it: serializer id, manifest, size and the bytes, which
 * the receiving node deserializes with Pekko's serialization as usual. For jackson-cbor (every protocol message of
 * the emulator) the bytes are not built as one array: the binding's own ObjectMapper writes them straight into the
 * connection, so a 25 MB tensor is read once from the message instead of being copied into a 25 MB array first
 * (what {@code JacksonSerializer.toBinary} does, without compression, which jackson-cbor has off); the size comes
 * from a first pass that only counts. Any other serializer gives its byte array.
 */
abstract class Payload {
    final int serializerId;
    final String manifest;

    private Payload(int serializerId, String manifest) {
        this.serializerId = serializerId;
        this.manifest = manifest;
    }

    /** Serialized size, bytes. */
    abstract long size();

    /** Writes exactly {@link #size()} bytes. */
    abstract void writeTo(OutputStream out) throws IOException;

    /** The serialized form of {@code message}; throws what the serializer throws (checked exceptions too). */
    static Payload of(Object message, ExtendedActorSystem system, Serialization serialization) {
        Serializer serializer = serialization.findSerializerFor(message);
        String manifest = Serializers.manifestFor(serializer, message);   // also Pekko's allowed-class checks
        if (serializer instanceof JacksonCborSerializer && !compressed(system)) {
            ObjectMapper mapper = JacksonObjectMapperProvider.get(system).getOrCreate("jackson-cbor", java.util.Optional.empty());
            return new Streamed(serializer.identifier(), manifest, message, mapper, system);
        }
        byte[] bytes = serialization.serialize(message).get();   // sets the transport information itself
        return new Bytes(serializer.identifier(), manifest, bytes);
    }

    /** Whether the jackson-cbor binding compresses (its section over Pekko's jackson defaults, as the serializer reads it). */
    private static boolean compressed(ExtendedActorSystem system) {
        var c = system.settings().config();
        return !c.getConfig("pekko.serialization.jackson.jackson-cbor").withFallback(c.getConfig("pekko.serialization.jackson"))
                .getString("compression.algorithm").equals("off");
    }

    private static final class Bytes extends Payload {
        private final byte[] bytes;

        Bytes(int serializerId, String manifest, byte[] bytes) {
            super(serializerId, manifest);
            this.bytes = bytes;
        }

        @Override
        long size() {
            return bytes.length;
        }

        @Override
        void writeTo(OutputStream out) throws IOException {
            out.write(bytes);
        }
    }

    private static final class Streamed extends Payload {
        private final Object message;
        private final ObjectMapper mapper;
        private final ExtendedActorSystem system;
        private final long size;

        Streamed(int serializerId, String manifest, Object message, ObjectMapper mapper, ExtendedActorSystem system) {
            super(serializerId, manifest);
            this.message = message;
            this.mapper = mapper;
            this.system = system;
            Counting counter = new Counting(OutputStream.nullOutputStream());
            write(counter);
            this.size = counter.count;
        }

        @Override
        long size() {
            return size;
        }

        @Override
        void writeTo(OutputStream out) throws IOException {
            Counting counting = new Counting(out);
            try {
                write(counting);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (counting.count != size) {
                throw new IOException("the message changed while it was sent: " + counting.count + " bytes, announced " + size);
            }
        }

        /** Serializes with actor refs carrying this node's address (Pekko's transport information), never closing out. */
        private void write(Counting out) {
            Serialization$.MODULE$.withTransportInformation(system, () -> {
                try {
                    mapper.writeValue(out, message);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return null;
            });
        }
    }

    /** Counts what passes; {@code close} only flushes (the ObjectMapper closes its target). */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
