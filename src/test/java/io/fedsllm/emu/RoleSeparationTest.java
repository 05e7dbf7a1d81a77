package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.emu.Carries.Content;
import java.lang.reflect.RecordComponent;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Role separation, field by field: what each party received, read from the {@link Carries} declaration of every
 * record component of every message it received ({@link MessageAudit#contentsReceived}).
 */
class RoleSeparationTest {

    /**
     * The main server never receives a client's LoRA upload (nor any LoRA except the one stated exception: the
     * global-copy blocks of {@code MainServer.AdoptBlocks}, moving to the server when the split moves down); the
     * federated server never receives activations, gradients or labels.
     */
    static void assertRolesSeparated(MessageAudit audit) {
        Map<String, Map<Content, Set<String>>> received = audit.contentsReceived();
        Map<Content, Set<String>> main = received.getOrDefault(MainServer.ROLE, Map.of());
        assertFalse(main.containsKey(Content.CLIENT_LORA), "main server received a client's LoRA: " + main);
        assertTrue(EnumSet.of(Content.ACTIVATIONS, Content.LABELS, Content.GLOBAL_LORA).containsAll(main.keySet()),
                "main server received " + main);
        assertTrue(Set.of("MainServer$AdoptBlocks.weights").containsAll(main.getOrDefault(Content.GLOBAL_LORA, Set.of())),
                "global-copy LoRA reaches the main server only as AdoptBlocks: " + main);
        Map<Content, Set<String>> fed = received.getOrDefault(FedServer.ROLE, Map.of());
        for (Content c : List.of(Content.ACTIVATIONS, Content.GRADIENTS, Content.LABELS)) {
            assertFalse(fed.containsKey(c), "federated server received " + c + ": " + fed);
        }
    }

    /** The protocol messages of every party (records and enums nested in the actor classes). */
    private static List<Class<?>> messageClasses() {
        return java.util.stream.Stream.of(Client.class, MainServer.class, FedServer.class, Coordinator.class,
                        RoundEvaluator.class)
                .flatMap(owner -> java.util.Arrays.stream(owner.getDeclaredClasses()))
                .filter(c -> c.isRecord() && CborSerializable.class.isAssignableFrom(c))
                .toList();
    }

    @Test
    void everyPayloadOfEveryMessageDeclaresWhatItCarries() {
        int payloads = 0;
        for (Class<?> c : messageClasses()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                if (rc.getType().isArray()) {
                    assertNotNull(rc.getAnnotation(Carries.class), c.getName() + "." + rc.getName() + " declares no @Carries");
                    payloads++;
                }
            }
        }
        assertEquals(11, payloads, "tensor and label payloads across the protocol");
    }

    @Test
    void theCheckSeesAForbiddenField() {
        MessageAudit ok = new MessageAudit();
        ok.record(MainServer.ROLE, new MainServer.Activations(0, 0, 0, 8, new byte[1], new int[1][1], 0));
        ok.record(MainServer.ROLE, new MainServer.AdoptBlocks(1, List.of(2), new byte[1], 0));
        ok.record(FedServer.ROLE, new FedServer.Upload(0, 0, 1, List.of(0), 8, new byte[1], 0));
        ok.record(FedServer.ROLE, new FedServer.ServerBlocks(0, List.of(0), new byte[1], 0));
        assertRolesSeparated(ok);
        assertEquals(Set.of("FedServer$Upload.weights"), ok.contentsReceived().get(FedServer.ROLE).get(Content.CLIENT_LORA));

        MessageAudit uploadToMain = new MessageAudit();
        uploadToMain.record(MainServer.ROLE, new FedServer.Upload(0, 0, 1, List.of(0), 8, new byte[1], 0));
        assertThrows(AssertionError.class, () -> assertRolesSeparated(uploadToMain));
        MessageAudit globalToMain = new MessageAudit();
        globalToMain.record(MainServer.ROLE, new Client.GlobalLora(0, 1, List.of(0), 0, new byte[1], 0));
        assertThrows(AssertionError.class, () -> assertRolesSeparated(globalToMain));
        for (Object m : List.<Object>of(new MainServer.Activations(0, 0, 0, 8, new byte[1], new int[1][1], 0),
                new Client.Gradients(0, 0, true, 8, new byte[1], 0))) {
            MessageAudit toFed = new MessageAudit();
            toFed.record(FedServer.ROLE, m);
            assertThrows(AssertionError.class, () -> assertRolesSeparated(toFed), m.getClass().getName());
        }
    }
}
