package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The courier streams jackson-cbor messages: the bytes must be exactly Pekko's, which the receiver deserializes. */
class PayloadTest {
    static final ActorTestKit KIT = ActorTestKit.create("payload", ConfigFactory.parseString(
            "pekko.actor.serialization-bindings { \"io.fedsllm.cluster.TestMessage\" = jackson-cbor }")
            .withFallback(ConfigLoader.withSets()).withFallback(ConfigFactory.defaultReference()));

    public record Tensor(String name, byte[] data, ActorRef<String> replyTo) implements TestMessage {}

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void streamedJacksonCborBytesAreExactlyPekkosSerialization() throws Exception {
        ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(KIT.system());
        Serialization serialization = SerializationExtension.get(classic);
        TestProbe<String> probe = KIT.createTestProbe();
        byte[] data = new byte[3_000_017];
        new Random(3).nextBytes(data);
        Tensor t = new Tensor("h.0.attn", data, probe.getRef());

        Payload p = Payload.of(t, classic, serialization);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.writeTo(out);

        byte[] pekko = serialization.serialize(t).get();
        assertEquals(pekko.length, p.size());
        assertArrayEquals(pekko, out.toByteArray());
        assertEquals(serialization.findSerializerFor(t).identifier(), p.serializerId);
        Tensor back = (Tensor) serialization.deserialize(out.toByteArray(), p.serializerId, p.manifest).get();
        assertArrayEquals(data, back.data());
        assertEquals(probe.getRef(), back.replyTo());
    }

    @Test
    void aMessageWithoutASerializerFailsWhenItIsMade() {
        ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(KIT.system());
        assertThrows(Exception.class, () -> Payload.of(new Object(), classic, SerializationExtension.get(classic)));
    }
}
