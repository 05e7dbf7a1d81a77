package io.fedsllm.train;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Slot error rate of generated texts against their MRs, by phrase matching.
 *
 * <p>Definition. Texts and phrases are normalised (lower-case, apostrophes dropped, every character other than a
 * letter, digit or £ becomes a space, spaces collapsed) and a phrase matches only as whole words. For each slot
 * the set of its values the text mentions is found:
 * <ul>
 *   <li>open slots (name, near): a value is mentioned when its own spelling occurs; their vocabulary is every
 *       value seen in the MRs given to the constructor. These mentions are masked out before the next step, so
 *       "near Raja Indian Cuisine" does not mention the food Indian;</li>
 *   <li>the other slots: a value is mentioned when one of its phrases occurs ({@link #PHRASES}: e.g.
 *       familyFriendly[no] = "not family friendly", "does not welcome children", "adults only", ...;
 *       customer rating[high] = "highly rated", "high customer rating", ...). Within a slot, longer phrases match
 *       first and mask what they cover, so "not kid friendly" is "no" and never also "yes". A value without
 *       phrases (not in the E2E vocabulary) is matched by its own spelling.</li>
 * </ul>
 * For each slot value v of the MR: it is <b>wrong</b> (contradicted) when the text mentions another value of the
 * same slot (for open slots: one that is not also a value of this MR, e.g. its near landmark), otherwise
 * <b>missing</b> when v itself is not mentioned. SER = (missing + wrong) / number of MR slot values. A slot that
 * is absent from the MR but mentioned is counted as <b>added</b>; it is reported but, by the project's definition,
 * not part of SER (Dušek et al. also add it).
 */
public final class SlotErrorRate {

    /** Open-vocabulary slots: matched by their values' spelling. */
    public static final List<String> OPEN_SLOTS = List.of("name", "near");

    /** Phrases of the E2E values of the categorical slots (before normalisation). */
    public static final Map<String, Map<String, List<String>>> PHRASES = phrases();

    /**
     * Counts over a corpus.
     *
     * @param slotValues MR slot values checked
     * @param missing    values not mentioned
     * @param wrong      values contradicted by a mention of another value of the slot
     * @param added      slots absent from the MR but mentioned (not in the rate)
     */
    public record Result(long slotValues, long missing, long wrong, long added) {
        /** (missing + wrong) / slotValues. */
        public double rate() {
            return slotValues == 0 ? 0 : (double) (missing + wrong) / slotValues;
        }
    }

    /** The verdict on one text: slots whose value is missing, contradicted, or added. */
    public record Check(List<String> missing, List<String> wrong, List<String> added) {}

    private final Map<String, Set<String>> openVocabulary = new LinkedHashMap<>();

    /** @param vocabularyMrs every MR of the dataset: their name and near values form the open vocabularies */
    public SlotErrorRate(Collection<Map<String, String>> vocabularyMrs) {
        for (String slot : OPEN_SLOTS) {
            openVocabulary.put(slot, new LinkedHashSet<>());
        }
        for (Map<String, String> mr : vocabularyMrs) {
            for (String slot : OPEN_SLOTS) {
                if (mr.containsKey(slot)) {
                    openVocabulary.get(slot).add(mr.get(slot));
                }
            }
        }
    }

    /** SER and counts of outputs.get(i) against mrs.get(i). */
    public Result corpus(List<Map<String, String>> mrs, List<String> outputs) {
        if (mrs.size() != outputs.size()) {
            throw new IllegalArgumentException(mrs.size() + " MRs but " + outputs.size() + " outputs");
        }
        long values = 0;
        long missing = 0;
        long wrong = 0;
        long added = 0;
        for (int i = 0; i < mrs.size(); i++) {
            Check c = check(mrs.get(i), outputs.get(i));
            values += mrs.get(i).size();
            missing += c.missing().size();
            wrong += c.wrong().size();
            added += c.added().size();
        }
        return new Result(values, missing, wrong, added);
    }

    /** Which slots of the MR the output misses, contradicts or adds. */
    public Check check(Map<String, String> mr, String output) {
        StringBuilder text = new StringBuilder(" " + normalise(output) + " ");
        Set<String> mrValues = new HashSet<>();
        mr.values().forEach(v -> mrValues.add(normalise(v)));

        // Open slots first: their spellings are masked so later phrases cannot match inside them.
        Map<String, String> openOwner = new LinkedHashMap<>();
        for (String slot : OPEN_SLOTS) {
            for (String v : openVocabulary.get(slot)) {
                openOwner.putIfAbsent(v, slot);
            }
            if (mr.containsKey(slot)) {
                openOwner.putIfAbsent(mr.get(slot), slot);
            }
        }
        Set<String> openMentioned = matchAndMask(text, allPhrases(openOwner.keySet()));
        Map<String, Set<String>> mentioned = new LinkedHashMap<>();
        for (String slot : OPEN_SLOTS) {
            Set<String> m = new HashSet<>();
            for (String v : openMentioned) {
                if (openVocabulary.get(slot).contains(v) || v.equals(mr.get(slot))) {
                    m.add(v);
                }
            }
            mentioned.put(slot, m);
        }
        for (Map.Entry<String, Map<String, List<String>>> e : PHRASES.entrySet()) {
            Map<String, List<String>> valuePhrases = new LinkedHashMap<>(e.getValue());
            String v = mr.get(e.getKey());
            if (v != null && !valuePhrases.containsKey(v)) {
                valuePhrases.put(v, List.of(v));
            }
            mentioned.put(e.getKey(), matchAndMask(new StringBuilder(text), valuePhrases));
        }

        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : mentioned.entrySet()) {
            String slot = e.getKey();
            String v = mr.get(slot);
            boolean open = OPEN_SLOTS.contains(slot);
            boolean other = false;
            for (String m : e.getValue()) {
                if (!m.equals(v) && !(open && mrValues.contains(normalise(m)))) {
                    other = true;
                }
            }
            if (v == null) {
                if (other) {
                    added.add(slot);
                }
            } else if (other) {
                wrong.add(slot);
            } else if (!e.getValue().contains(v)) {
                missing.add(slot);
            }
        }
        return new Check(missing, wrong, added);
    }

    /** Lower-case, accents kept, apostrophes dropped, other non-alphanumerics except £ to spaces, spaces collapsed. */
    public static String normalise(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT)
                .replace("'", "").replace("\u2019", "");
        StringBuilder sb = new StringBuilder(t.length());
        boolean space = true;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '£') {
                sb.append(c);
                space = false;
            } else if (!space) {
                sb.append(' ');
                space = true;
            }
        }
        return sb.toString().trim();
    }

    private static Map<String, List<String>> allPhrases(Collection<String> values) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        values.forEach(v -> m.put(v, List.of(v)));
        return m;
    }

    /**
     * Values whose phrases occur as whole words in {@code text} (padded with spaces), longest phrase first; each
     * match is overwritten with '#' so shorter phrases cannot match inside it.
     */
    private static Set<String> matchAndMask(StringBuilder text, Map<String, List<String>> valuePhrases) {
        List<String[]> pairs = new ArrayList<>();
        valuePhrases.forEach((v, ps) -> ps.forEach(p -> pairs.add(new String[] {v, normalise(p)})));
        pairs.sort(Comparator.comparingInt((String[] p) -> -p[1].length()).thenComparing(p -> p[1]));
        Set<String> found = new LinkedHashSet<>();
        for (String[] pair : pairs) {
            if (pair[1].isEmpty()) {
                continue;
            }
            String needle = " " + pair[1] + " ";
            int at = text.indexOf(needle);
            while (at >= 0) {
                found.add(pair[0]);
                for (int i = at + 1; i < at + needle.length() - 1; i++) {
                    text.setCharAt(i, '#');
                }
                at = text.indexOf(needle, at + needle.length() - 1);
            }
        }
        return found;
    }

    private static Map<String, Map<String, List<String>>> phrases() {
        Map<String, Map<String, List<String>>> p = new LinkedHashMap<>();
        p.put("eatType", Map.of(
                "restaurant", List.of("restaurant", "restaurants"),
                "pub", List.of("pub", "pubs"),
                "coffee shop", List.of("coffee shop", "coffee shops", "coffeeshop")));
        p.put("food", Map.of(
                "English", List.of("english", "british"),
                "Italian", List.of("italian"),
                "French", List.of("french"),
                "Chinese", List.of("chinese"),
                "Indian", List.of("indian"),
                "Japanese", List.of("japanese", "sushi"),
                "Fast food", List.of("fast food")));
        p.put("priceRange", Map.of(
                "cheap", List.of("cheap", "inexpensive", "low price", "low prices", "low priced", "low cost",
                        "affordable"),
                "moderate", List.of("moderate", "moderately", "moderately priced", "mid priced", "mid range",
                        "average price", "average prices", "average priced", "reasonably priced", "reasonable prices"),
                "high", List.of("high price", "high prices", "high priced", "expensive", "pricey", "high cost", "costly"),
                "less than £20", List.of("less than £20", "under £20", "below £20", "cheaper than £20",
                        "less than 20 pounds", "under 20 pounds"),
                "£20-25", List.of("£20-25", "£20-£25", "20-25", "£20 to £25", "20 to 25", "between £20 and £25",
                        "£20 to 25"),
                "more than £30", List.of("more than £30", "over £30", "above £30", "more than 30 pounds",
                        "over 30 pounds")));
        p.put("customer rating", Map.of(
                "low", List.of("low customer rating", "low customer ratings", "low rating", "low ratings", "rated low",
                        "low rated", "lowly rated", "poorly rated", "rated poorly", "badly rated", "poor rating",
                        "poor customer rating", "customer rating is low", "rating is low", "customer rating of low"),
                "average", List.of("average customer rating", "average customer ratings", "average rating",
                        "average ratings", "rated average", "average rated", "averagely rated",
                        "customer rating is average", "rating is average", "customer rating of average"),
                "high", List.of("high customer rating", "high customer ratings", "high rating", "high ratings",
                        "highly rated", "rated highly", "rated high", "high rated", "well rated", "top rated",
                        "customer rating is high", "rating is high", "customer rating of high"),
                "1 out of 5", List.of("1 out of 5", "one out of five", "1 star", "one star", "1 stars"),
                "3 out of 5", List.of("3 out of 5", "three out of five", "3 stars", "three stars", "3 star", "three star"),
                "5 out of 5", List.of("5 out of 5", "five out of five", "5 stars", "five stars", "5 star", "five star")));
        p.put("area", Map.of(
                "city centre", List.of("city centre", "city center", "centre of the city", "center of the city",
                        "centre of town", "center of town", "town centre", "town center"),
                "riverside", List.of("riverside", "river side", "by the river", "near the river", "along the river",
                        "on the river")));
        p.put("familyFriendly", Map.of(
                "yes", List.of("family friendly", "kid friendly", "kids friendly", "child friendly",
                        "children friendly", "family oriented", "welcomes families", "welcomes children",
                        "welcomes kids", "welcome families", "welcome children", "welcome kids", "children are welcome",
                        "families are welcome", "kids are welcome", "suitable for families", "good for families",
                        "great for families"),
                "no", List.of("not family friendly", "not kid friendly", "not kids friendly", "not child friendly",
                        "not children friendly", "not very family friendly", "not a family friendly",
                        "isn't family friendly", "isn't kid friendly", "isn't child friendly", "non family friendly",
                        "not family oriented", "does not welcome children", "doesn't welcome children",
                        "does not welcome families", "doesn't welcome families", "does not welcome kids",
                        "doesn't welcome kids", "children are not welcome", "kids are not welcome",
                        "families are not welcome", "not suitable for families", "not good for families",
                        "not for families", "adults only", "adult only", "no children", "no kids")));
        return java.util.Collections.unmodifiableMap(p);
    }
}
