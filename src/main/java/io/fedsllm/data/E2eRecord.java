package io.fedsllm.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One E2E NLG example: a meaning representation (ordered slot → value) and one human reference text.
 * The official MR spelling is {@code name[The Eagle], eatType[coffee shop], ...}.
 */
public record E2eRecord(Map<String, String> slots, String ref) {

    /** The 8 E2E slots in their canonical order. */
    public static final java.util.List<String> SLOTS = java.util.List.of(
            "name", "eatType", "food", "priceRange", "customer rating", "area", "familyFriendly", "near");

    public E2eRecord {
        slots = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(slots));
    }

    /** The MR in the official spelling. */
    public String mr() {
        StringJoiner j = new StringJoiner(", ");
        slots.forEach((k, v) -> j.add(k + "[" + v + "]"));
        return j.toString();
    }
}
