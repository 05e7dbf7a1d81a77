package io.fedsllm.emu;

import java.lang.reflect.RecordComponent;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which message classes each role received and how many messages were delivered in all (one JVM). Used for the
 * role-separation guarantees (the main server never sees a client's LoRA, the federated server never sees
 * activations, gradients or labels: {@link #contentsReceived}, field by field) and the message count of a run.
 * O(1) per message.
 */
public final class MessageAudit {
    private final Map<String, Set<Class<?>>> received = new ConcurrentHashMap<>();
    private final LongAdder messages = new LongAdder();
    private final LongAdder rejected = new LongAdder();

    void record(String role, Object message) {
        messages.increment();
        received.computeIfAbsent(role, r -> ConcurrentHashMap.newKeySet()).add(message.getClass());
    }

    void rejected() {
        rejected.increment();
    }

    /** Messages delivered to emulator actors so far. */
    public long messages() {
        return messages.sum();
    }

    /** Messages rejected as invalid (wrong round, unknown client, wrong size, ...). */
    public long rejectedMessages() {
        return rejected.sum();
    }

    /** Role → simple names of the message classes it received, sorted. */
    public Map<String, Set<String>> receivedTypes() {
        Map<String, Set<String>> out = new TreeMap<>();
        received.forEach((role, classes) -> {
            Set<String> names = new TreeSet<>();
            classes.forEach(c -> names.add(name(c)));
            out.put(role, names);
        });
        return out;
    }

    /**
     * Role → what the messages it received can carry → the message types carrying it: every record component of
     * every message class the role received, read by its {@link Carries} declaration.
     */
    public Map<String, Map<Carries.Content, Set<String>>> contentsReceived() {
        Map<String, Map<Carries.Content, Set<String>>> out = new TreeMap<>();
        received.forEach((role, classes) -> {
            Map<Carries.Content, Set<String>> contents = new EnumMap<>(Carries.Content.class);
            for (Class<?> c : classes) {
                RecordComponent[] components = c.getRecordComponents();
                for (RecordComponent rc : components == null ? new RecordComponent[0] : components) {
                    Carries carries = rc.getAnnotation(Carries.class);
                    if (carries != null) {
                        contents.computeIfAbsent(carries.value(), k -> new TreeSet<>()).add(name(c) + "." + rc.getName());
                    }
                }
            }
            out.put(role, contents);
        });
        return out;
    }

    private static String name(Class<?> c) {
        return c.getName().substring(c.getName().lastIndexOf('.') + 1);
    }
}
