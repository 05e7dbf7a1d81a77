package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.emu.Carries.Content;
import io.fedsllm.train.PromptCompletion;
import io.fedsllm.train.TrainContext;
import io.fedsllm.train.TrainData;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Role separation. On what each party holds: everything a party is given when its node spawns it (its kit), walked
 * field by field, reaches only its own data — a client its shard, the main server none (all of it only in the
 * centralized scheme), the federated server none, the evaluator only the validation examples. On what it receives:
 * the {@link Carries} declaration of every record component of every message class it received
 * ({@link MessageAudit#contentsReceived}).
 */
@Timeout(300)
class RoleSeparationTest {

    /**
     * The main server never receives a client's LoRA upload (nor any LoRA except the one stated exception: the
     * global-copy blocks of {@code MainServer.AdoptBlocks}, moving to the server when the split moves down); the
     * federated server never receives activations, gradients or labels.
     *
     * @param receivedTypes role → binary names of the message classes it received ({@code RunResult.receivedTypes})
     */
    static void assertRolesSeparated(Map<String, ? extends Collection<String>> receivedTypes) {
        Map<String, Map<Content, Set<String>>> received = MessageAudit.contentsReceived(receivedTypes);
        Map<Content, Set<String>> main = received.getOrDefault(MainServer.ROLE, Map.of());
        assertFalse(main.containsKey(Content.CLIENT_LORA), "main server received a client's LoRA: " + main);
        assertTrue(EnumSet.of(Content.ACTIVATIONS, Content.LABELS, Content.GLOBAL_LORA).containsAll(main.keySet()),
                "main server received " + main);
        assertTrue(Set.of("MainServer.AdoptBlocks.weights").containsAll(main.getOrDefault(Content.GLOBAL_LORA, Set.of())),
                "global-copy LoRA reaches the main server only as AdoptBlocks: " + main);
        Map<Content, Set<String>> fed = received.getOrDefault(FedServer.ROLE, Map.of());
        for (Content c : List.of(Content.ACTIVATIONS, Content.GRADIENTS, Content.LABELS)) {
            assertFalse(fed.containsKey(c), "federated server received " + c + ": " + fed);
        }
    }

    /** The protocol messages of every party (records nested in the actor classes). */
    private static List<Class<?>> messageClasses() {
        return java.util.stream.Stream.of(Client.class, MainServer.class, FedServer.class, Coordinator.class,
                        RoundEvaluator.class, Recorder.class, RoleGuardian.class)
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
        assertEquals(18, payloads, "tensor, label, state and final-LoRA payloads across the protocol");
    }

    private static Set<String> names(Class<?>... classes) {
        return java.util.Arrays.stream(classes).map(Class::getName).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void theCheckSeesAForbiddenField() {
        Map<String, Set<String>> ok = Map.of(
                MainServer.ROLE, names(MainServer.Activations.class, MainServer.AdoptBlocks.class),
                FedServer.ROLE, names(FedServer.Upload.class, FedServer.ServerBlocks.class));
        assertRolesSeparated(ok);
        assertEquals(Set.of("FedServer.Upload.weights"),
                MessageAudit.contentsReceived(ok).get(FedServer.ROLE).get(Content.CLIENT_LORA));
        assertThrows(AssertionError.class, () -> assertRolesSeparated(Map.of(MainServer.ROLE, names(FedServer.Upload.class))));
        assertThrows(AssertionError.class, () -> assertRolesSeparated(Map.of(MainServer.ROLE, names(Client.GlobalLora.class))));
        for (Class<?> m : List.of(MainServer.Activations.class, Client.Gradients.class)) {
            assertThrows(AssertionError.class, () -> assertRolesSeparated(Map.of(FedServer.ROLE, names(m))), m.getName());
        }
    }

    private static <T> Set<T> identity(Collection<T> items) {
        Set<T> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(items);
        return s;
    }

    @Test
    void noPartyCanReachAnotherPartysData(@TempDir Path tmp) {
        Config config = Kits.parse(Kits.render(Emulator.experiment(RealModeTest.config(tmp))));
        ActorTestKit kit = ActorTestKit.create("holdings", config.withFallback(ConfigFactory.defaultReference()));
        try {
            NodeResources node = NodeResources.get(kit.system());
            TrainData data = node.trainData(config);
            List<List<E2eRecord>> shards = data.shards(3);
            List<Client.Kit> clients = Kits.clients(config, node, List.of(0, 1, 2), Probes.NO_SCENARIO);
            for (int k = 0; k < 3; k++) {
                assertEquals(identity(shards.get(k)), Reachable.instances(clients.get(k), E2eRecord.class),
                        "client " + k + " reaches exactly its own shard");
            }
            MainServer.Kit main = Kits.mainServer(config, node, Probes.NO_SCENARIO);
            assertEquals(Set.of(), Reachable.instances(main, E2eRecord.class), "the main server holds no client data");
            assertEquals(Set.of(), Reachable.instances(main, PromptCompletion.class));
            FedServer.Kit fed = Kits.fedServer(config, Probes.NO_SCENARIO);
            assertEquals(Set.of(), Reachable.instances(fed, E2eRecord.class));
            assertEquals(Set.of(), Reachable.instances(fed, TrainContext.class), "the federated server holds no model");
            RoundEvaluator.Kit evaluator = Kits.evaluator(config, node);
            assertEquals(Set.of(), Reachable.instances(evaluator, E2eRecord.class), "the evaluator holds no training data");
            assertEquals(data.validationExamples().size(), Reachable.instances(evaluator, PromptCompletion.class).size(),
                    "the evaluator holds the validation examples");

            Config centralized = Kits.parse(Kits.render(Emulator.experiment(RealModeTest.config(tmp, "emu.scheme=centralized"))));
            ActorTestKit other = ActorTestKit.create("holdings-centralized", centralized.withFallback(ConfigFactory.defaultReference()));
            try {
                NodeResources central = NodeResources.get(other.system());
                MainServer.Kit server = Kits.mainServer(centralized, central, Probes.NO_SCENARIO);
                assertEquals(central.trainData(centralized).train().size(),
                        Reachable.instances(server, E2eRecord.class).size(), "the centralized server holds every shard");
            } finally {
                other.shutdownTestKit();
            }
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void analyticPartiesHoldNoData() {
        Config config = Kits.parse(Kits.render(Emulator.experiment(EmulatorTest.config())));
        ActorTestKit kit = ActorTestKit.create("analytic-holdings", config.withFallback(ConfigFactory.defaultReference()));
        try {
            NodeResources node = NodeResources.get(kit.system());
            Object[] kits = {Kits.mainServer(config, node, Probes.NO_SCENARIO), Kits.fedServer(config, Probes.NO_SCENARIO), Kits.clients(config, node, List.of(0, 4), Probes.NO_SCENARIO)};
            for (Object k : kits) {
                assertEquals(Set.of(), Reachable.instances(k, E2eRecord.class), k.toString());
                assertEquals(Set.of(), Reachable.instances(k, TrainContext.class), k.toString());
            }
        } finally {
            kit.shutdownTestKit();
        }
    }
}
