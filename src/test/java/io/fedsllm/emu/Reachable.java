package io.fedsllm.emu;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every object of a type reachable from a root through fields: the project's own objects are read field by field,
 * collections, maps, optionals and arrays element by element; other libraries' objects (DJL arrays, Pekko, strings)
 * are not entered. What a party was given at spawn, walked this way, is everything it can ever reach without a
 * message.
 */
final class Reachable {
    private Reachable() {}

    static <T> Set<T> instances(Object root, Class<T> type) {
        Set<T> found = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new java.util.LinkedList<>(); // holds nulls (unset fields), skipped when popped
        todo.push(root);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (o == null || !seen.add(o)) {
                continue;
            }
            if (type.isInstance(o)) {
                found.add(type.cast(o));
            }
            Class<?> c = o.getClass();
            if (c.isArray()) {
                if (!c.getComponentType().isPrimitive()) {
                    for (int i = 0; i < Array.getLength(o); i++) {
                        todo.push(Array.get(o, i));
                    }
                }
            } else if (o instanceof Collection<?> col) {
                col.forEach(todo::push);
            } else if (o instanceof Map<?, ?> map) {
                map.forEach((k, v) -> {
                    todo.push(k);
                    todo.push(v);
                });
            } else if (o instanceof java.util.Optional<?> opt) {
                opt.ifPresent(todo::push);
            } else if (c.getName().startsWith("io.fedsllm.")) {
                for (Class<?> k = c; k != null && k.getName().startsWith("io.fedsllm."); k = k.getSuperclass()) {
                    for (Field f : k.getDeclaredFields()) {
                        if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                            continue;
                        }
                        try {
                            f.setAccessible(true);
                            todo.push(f.get(o));
                        } catch (ReflectiveOperationException | RuntimeException e) {
                            throw new AssertionError("cannot read " + k.getName() + "." + f.getName(), e);
                        }
                    }
                }
            }
        }
        return found;
    }
}
