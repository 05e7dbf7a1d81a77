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
        return mr(slots);
    }

    /** The official spelling of any slot map, in its iteration order. */
    public static String mr(Map<String, String> slots) {
        StringJoiner j = new StringJoiner(", ");
        slots.forEach((k, v) -> j.add(k + "[" + v + "]"));
        return j.toString();
    }

    /**
     * Parses the official MR spelling {@code slot[value], slot[value], ...} (order kept). Rejects unknown or
     * repeated slots, empty values, unbalanced brackets and anything between items other than a comma.
     *
     * @throws IllegalArgumentException saying what is wrong; file loaders add the file and line
     */
    public static Map<String, String> parseMr(String mr) {
        Map<String, String> slots = new LinkedHashMap<>();
        int i = 0;
        int n = mr.length();
        while (true) {
            while (i < n && mr.charAt(i) == ' ') {
                i++;
            }
            int open = mr.indexOf('[', i);
            int close = mr.indexOf(']', i);
            if (open < 0 || (close >= 0 && close < open)) {
                throw new IllegalArgumentException(close >= 0 ? "unbalanced brackets: ']' without '[' in MR '" + mr + "'"
                        : "expected slot[value] at '" + mr.substring(i) + "' in MR '" + mr + "'");
            }
            String slot = mr.substring(i, open).trim();
            if (!SLOTS.contains(slot)) {
                throw new IllegalArgumentException("unknown slot '" + slot + "' in MR '" + mr + "' (allowed: " + SLOTS + ")");
            }
            if (close < 0) {
                throw new IllegalArgumentException("unbalanced brackets: '[' without ']' after " + slot + " in MR '" + mr + "'");
            }
            String value = mr.substring(open + 1, close).trim();
            if (value.indexOf('[') >= 0) {
                throw new IllegalArgumentException("unbalanced brackets: '[' inside the value of " + slot + " in MR '" + mr + "'");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException("empty value for slot " + slot + " in MR '" + mr + "'");
            }
            if (slots.putIfAbsent(slot, value) != null) {
                throw new IllegalArgumentException("slot " + slot + " appears twice in MR '" + mr + "'");
            }
            i = close + 1;
            while (i < n && mr.charAt(i) == ' ') {
                i++;
            }
            if (i == n) {
                return slots;
            }
            if (mr.charAt(i) != ',') {
                throw new IllegalArgumentException("expected ',' between items at '" + mr.substring(i) + "' in MR '" + mr + "'");
            }
            i++;
        }
    }
}
