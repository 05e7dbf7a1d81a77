package io.fedsllm.emu;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads role separation from what each role received (the parties' {@link PartyAudit} totals): every record
 * component of every message class a role received, by its {@link Carries} declaration. The main server must never
 * receive a client's LoRA, the federated server never activations, gradients or labels.
 */
public final class MessageAudit {
    private MessageAudit() {}

    /**
     * Role → what the messages it received can carry → "Message.component" carrying it.
     *
     * @param receivedTypes role → binary names of the message classes it received ({@code RunResult.receivedTypes})
     */
    public static Map<String, Map<Carries.Content, Set<String>>> contentsReceived(Map<String, ? extends Collection<String>> receivedTypes) {
        Map<String, Map<Carries.Content, Set<String>>> out = new TreeMap<>();
        receivedTypes.forEach((role, names) -> {
            Map<Carries.Content, Set<String>> contents = new EnumMap<>(Carries.Content.class);
            for (String name : names) {
                Class<?> c = load(name);
                RecordComponent[] components = c.getRecordComponents();
                for (RecordComponent rc : components == null ? new RecordComponent[0] : components) {
                    Carries carries = rc.getAnnotation(Carries.class);
                    if (carries != null) {
                        contents.computeIfAbsent(carries.value(), k -> new TreeSet<>()).add(simpleName(c) + "." + rc.getName());
                    }
                }
            }
            out.put(role, contents);
        });
        return out;
    }

    /** "Outer.Inner" of a message class (its name after the package). */
    static String simpleName(Class<?> c) {
        return c.getName().substring(c.getName().lastIndexOf('.') + 1).replace('$', '.');
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, MessageAudit.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown message class " + name, e);
        }
    }
}
