package io.fedsllm.emu;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which message classes each role received and how many messages were delivered in all (one JVM). Used for the
 * role-separation guarantees (the main server never sees client LoRA, the federated server never sees
 * activations, gradients or labels) and the message count of a run. O(1) per message.
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
            classes.forEach(c -> names.add(c.getName().substring(c.getName().lastIndexOf('.') + 1)));
            out.put(role, names);
        });
        return out;
    }
}
