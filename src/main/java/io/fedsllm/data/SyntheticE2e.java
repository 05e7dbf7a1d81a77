package io.fedsllm.data;

import io.fedsllm.config.DataSettings;
import io.fedsllm.config.MemoryBudget;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.UserError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A synthetic E2E dataset: MRs over the 8 E2E slots with E2E-like values, each realised by several template
 * references that vary phrasing, synonyms and clause order (a slot can be an adjective, a post-modifier, a fronted
 * phrase or a verb phrase of its own sentence). Every slot value of an MR is realised in every reference, with
 * phrases that {@code io.fedsllm.train.SlotErrorRate} recognises (a test checks SER = 0 on the references).
 * Shorter realisations are preferred when {@code MR || ref} would exceed the byte budget max-text-bytes.
 *
 * <p>Randomness: MRs come from the stream {@code (seed, "synthetic-e2e-mrs")}; the references of the i-th MR
 * from {@code (seed, "synthetic-e2e-refs", i)}, so changing refs-per-mr never changes the MRs. MRs are distinct;
 * the first test-mrs go to test, the next validation-mrs to validation, the rest to train (disjoint by MR), so
 * changing train-mrs leaves validation and test unchanged and a smaller training split is a prefix of a larger one.
 */
public final class SyntheticE2e {
    private SyntheticE2e() {}

    /** Restaurant names (values of name). */
    public static final List<String> NAMES = List.of("The Eagle", "Blue Spice", "The Mill", "Aromi", "Zizzi",
            "The Punter", "Cotto", "Fitzbillies", "The Golden Curry", "Green Man", "The Wrestlers", "Loch Fyne",
            "The Phoenix", "Strada", "Bibimbap House", "Wildwood", "The Cricketers", "Midsummer House", "Alimentum",
            "Giraffe", "Clowns", "The Vaults", "The Waterman", "The Dumpling Tree",
            "The Twenty Two", "The Olive Grove", "The Plough", "Cocum", "The Golden Palace", "The Rice Boat");

    /** Landmarks (values of near), disjoint from {@link #NAMES}. */
    public static final List<String> LANDMARKS = List.of("Café Rouge", "Burger King", "The Portland Arms",
            "Raja Indian Cuisine", "Avalon", "Yippee Noodle Bar", "The Sorrento", "Café Sicilia", "Ranch",
            "All Bar One", "The Six Bells", "Café Brazil", "Clare Hall", "The Bakers", "Café Adriatic");

    /** Values of every slot, in {@link E2eRecord#SLOTS} order. */
    public static final Map<String, List<String>> VALUES = values();

    private static Map<String, List<String>> values() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("name", NAMES);
        v.put("eatType", List.of("restaurant", "pub", "coffee shop"));
        v.put("food", List.of("English", "Italian", "French", "Chinese", "Indian", "Japanese", "Fast food"));
        v.put("priceRange", List.of("cheap", "moderate", "high", "less than £20", "£20-25", "more than £30"));
        v.put("customer rating", List.of("low", "average", "high", "1 out of 5", "3 out of 5", "5 out of 5"));
        v.put("area", List.of("city centre", "riverside"));
        v.put("familyFriendly", List.of("yes", "no"));
        v.put("near", LANDMARKS);
        return java.util.Collections.unmodifiableMap(v);
    }

    /**
     * Heap one generated reference takes: its text, the record and its share of the MR (measured with the defaults:
     * 384 bytes), for rejecting sizes that cannot fit before generating anything.
     */
    static final int BYTES_PER_RECORD = 384;

    /** The three splits generated from the settings and the data seed. */
    public static E2eDataset generate(DataSettings.Synthetic s, long seed) {
        long mrCount = (long) s.trainMrs() + s.validationMrs() + s.testMrs();
        MemoryBudget.require((double) mrCount * s.refsPerMr() * BYTES_PER_RECORD, "data.synthetic: " + mrCount + " MRs (train-mrs + "
                + "validation-mrs + test-mrs) x refs-per-mr = " + s.refsPerMr() + " references of about "
                + BYTES_PER_RECORD + " bytes each");
        if (mrCount > Integer.MAX_VALUE) {
            throw new UserError("data.synthetic: train-mrs + validation-mrs + test-mrs = " + mrCount + " MRs: expected at most "
                    + Integer.MAX_VALUE);
        }
        int total = (int) mrCount;
        List<Map<String, String>> mrs = sampleMrs(seed, total, s.extraSlotsMin(), s.extraSlotsMax());
        List<E2eRecord> train = new ArrayList<>();
        List<E2eRecord> validation = new ArrayList<>();
        List<E2eRecord> test = new ArrayList<>();
        // Test first, then validation, then train: a train-size sweep keeps the evaluation sets fixed.
        for (int i = 0; i < total; i++) {
            List<E2eRecord> split = i < s.testMrs() ? test : i < s.testMrs() + s.validationMrs() ? validation : train;
            SplittableRandom rnd = Seeds.random(seed, "synthetic-e2e-refs", i);
            for (String ref : references(mrs.get(i), s.refsPerMr(), s.maxTextBytes(), rnd)) {
                split.add(new E2eRecord(mrs.get(i), ref));
            }
        }
        return new E2eDataset(train, validation, test);
    }

    /** {@code count} distinct MRs: name plus extraMin..extraMax other slots, canonical slot order. */
    public static List<Map<String, String>> sampleMrs(long seed, int count, int extraMin, int extraMax) {
        SplittableRandom rnd = Seeds.random(seed, "synthetic-e2e-mrs");
        List<String> others = E2eRecord.SLOTS.subList(1, E2eRecord.SLOTS.size());
        Set<String> seen = new HashSet<>();
        List<Map<String, String>> out = new ArrayList<>();
        long attempts = 0;
        long maxAttempts = 50L * count + 1000;
        while (out.size() < count) {
            if (++attempts > maxAttempts) {
                throw new UserError("the synthetic generator found only " + out.size() + " distinct MRs in "
                        + maxAttempts + " draws but data.synthetic asks for " + count
                        + " (train + validation + test MRs); lower the counts or widen extra-slots-min..max");
            }
            int k = extraMin + rnd.nextInt(extraMax - extraMin + 1);
            List<String> chosen = new ArrayList<>(others);
            for (int i = 0; i < k; i++) { // partial Fisher-Yates: the first k are a uniform k-subset
                int j = i + rnd.nextInt(chosen.size() - i);
                String t = chosen.get(i);
                chosen.set(i, chosen.get(j));
                chosen.set(j, t);
            }
            Set<String> picked = new HashSet<>(chosen.subList(0, k));
            Map<String, String> mr = new LinkedHashMap<>();
            for (String slot : E2eRecord.SLOTS) {
                if (slot.equals("name") || picked.contains(slot)) {
                    mr.put(slot, pick(VALUES.get(slot), rnd));
                }
            }
            if (seen.add(E2eRecord.mr(mr))) {
                out.add(java.util.Collections.unmodifiableMap(mr));
            }
        }
        return out;
    }

    /**
     * {@code n} references for one MR. Up to 40 draws per reference: the first one that is new for this MR and
     * whose training text ({@link E2eText#trainingText}) fits {@code maxTextBytes} (UTF-8) is taken; failing that,
     * the best draw (new before repeated, then the fewest bytes over the budget).
     */
    public static List<String> references(Map<String, String> mr, int n, int maxTextBytes, SplittableRandom rnd) {
        int promptBytes = E2eText.prompt(mr).getBytes(StandardCharsets.UTF_8).length;
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String best = null;
            long bestCost = Long.MAX_VALUE;
            for (int tries = 0; tries < 40; tries++) {
                String ref = realise(mr, rnd);
                long over = Math.max(0, promptBytes + ref.getBytes(StandardCharsets.UTF_8).length - maxTextBytes);
                long cost = (refs.contains(ref) ? 1_000_000L : 0) + over;
                if (cost < bestCost) {
                    best = ref;
                    bestCost = cost;
                }
                if (cost == 0) {
                    break;
                }
            }
            refs.add(best);
        }
        return refs;
    }

    // ---- realisation ------------------------------------------------------------------------------------------

    /** One reference for the MR. */
    public static String realise(Map<String, String> mr, SplittableRandom rnd) {
        String name = mr.get("name");
        String eatType = mr.get("eatType");
        String noun = eatType != null ? eatType : pick(List.of("place", "venue", "spot"), rnd);
        List<String> facts = new ArrayList<>();
        for (String slot : List.of("food", "priceRange", "customer rating", "area", "familyFriendly", "near")) {
            if (mr.containsKey(slot)) {
                facts.add(slot);
            }
        }
        shuffle(facts, rnd);

        // Each fact becomes an adjective, a post-modifier or a verb phrase.
        List<String> adjSlots = new ArrayList<>();
        List<String> posts = new ArrayList<>();
        List<String> postSlots = new ArrayList<>();
        List<String> vps = new ArrayList<>();
        for (String slot : facts) {
            String value = mr.get(slot);
            double r = rnd.nextDouble();
            if (r < 0.35 && adjSlots.size() < 2 && !adjectives(slot, value).isEmpty()) {
                adjSlots.add(slot);
            } else if (r < 0.7 && posts.size() < 2) {
                posts.add(pick(postModifiers(slot, value), rnd));
                postSlots.add(slot);
            } else {
                vps.add(pick(verbPhrases(slot, value), rnd));
            }
        }
        // Adjectives in the usual English order: opinion/price before nationality.
        adjSlots.sort(java.util.Comparator.comparingInt(
                s -> List.of("priceRange", "customer rating", "familyFriendly", "food").indexOf(s)));
        StringBuilder np = new StringBuilder();
        for (String slot : adjSlots) {
            np.append(pick(adjectives(slot, mr.get(slot)), rnd)).append(' ');
        }
        np.append(noun);
        String nounPhrase = withArticle(np.toString());

        String front = null;
        int frontable = -1;
        for (int i = 0; i < postSlots.size(); i++) {
            if (postSlots.get(i).equals("area") || postSlots.get(i).equals("near")) {
                frontable = i;
            }
        }
        if (frontable >= 0 && rnd.nextDouble() < 0.25) {
            String slot = postSlots.remove(frontable);
            posts.remove(frontable);
            front = pick(frontPhrases(slot, mr.get(slot)), rnd);
        }
        // At most one relative clause ("that ...", "which ..."), always last, so clauses never stack.
        boolean relative = false;
        for (int i = 0; i < posts.size(); i++) {
            if (isRelative(posts.get(i))) {
                relative = true;
                posts.add(posts.remove(i));
                break;
            }
        }
        String post = posts.isEmpty() ? "" : " " + String.join(" ", posts);
        boolean emptyHead = eatType == null && adjSlots.isEmpty() && posts.isEmpty();

        StringBuilder out = new StringBuilder();
        double pattern = rnd.nextDouble();
        if (emptyHead && !vps.isEmpty() && front == null) {
            // "The Eagle is a place." says nothing: start with what it does.
            out.append(name).append(' ').append(vps.remove(0));
            if (!vps.isEmpty() && rnd.nextBoolean()) {
                out.append(" and ").append(vps.remove(0));
            }
            out.append('.');
        } else if (front != null) {
            out.append(front).append(", ").append(rnd.nextBoolean()
                    ? name + " is " + nounPhrase + post
                    : "there is " + nounPhrase + post + " " + called(rnd) + " " + name).append('.');
        } else if (pattern < 0.2 && !vps.isEmpty()) {
            out.append(name).append(", ").append(nounPhrase).append(post).append(", ").append(vps.remove(0)).append('.');
        } else if (pattern < 0.4 && !vps.isEmpty()) {
            out.append(name).append(" is ").append(nounPhrase).append(post).append(relative ? " and " : " that ")
                    .append(vps.remove(0));
            if (!vps.isEmpty() && rnd.nextBoolean()) {
                out.append(" and ").append(vps.remove(0));
            }
            out.append('.');
        } else if (pattern < 0.65) {
            out.append("There is ").append(nounPhrase);
            if (!relative && rnd.nextBoolean()) {
                out.append(post).append(' ').append(called(rnd)).append(' ').append(name);
            } else {
                out.append(' ').append(called(rnd)).append(' ').append(name).append(post);
            }
            out.append('.');
        } else {
            out.append(name).append(" is ").append(nounPhrase).append(post).append('.');
        }
        while (!vps.isEmpty()) {
            String subject = pick(eatType != null ? List.of("It", "It", "The " + noun, name) : List.of("It", "It", name), rnd);
            out.append(' ').append(subject).append(' ').append(vps.remove(0));
            if (!vps.isEmpty() && rnd.nextBoolean()) {
                out.append(" and ").append(vps.remove(0));
            }
            out.append('.');
        }
        return capitalise(out.toString());
    }

    private static boolean isRelative(String postModifier) {
        return postModifier.startsWith("that ") || postModifier.startsWith("which ");
    }

    private static String called(SplittableRandom rnd) {
        return pick(List.of("called", "named"), rnd);
    }

    private static String foodPhrase(String food) {
        return food.equals("Fast food") ? "fast food" : food + " food";
    }

    private static String foodAdjective(String food) {
        return food.equals("Fast food") ? "fast food" : food;
    }

    /** Prenominal forms ("a cheap Italian pub"); empty when the value has none (e.g. "£20-25"). */
    static List<String> adjectives(String slot, String v) {
        return switch (slot) {
            case "food" -> List.of(foodAdjective(v));
            case "priceRange" -> switch (v) {
                case "cheap" -> List.of("cheap", "low-priced");
                case "moderate" -> List.of("moderately priced", "mid-priced");
                case "high" -> List.of("expensive", "high-priced");
                default -> List.of();
            };
            case "customer rating" -> switch (v) {
                case "low" -> List.of("low-rated", "poorly rated");
                case "average" -> List.of("average-rated");
                case "high" -> List.of("highly rated", "high-rated");
                default -> List.of();
            };
            case "familyFriendly" -> v.equals("yes")
                    ? List.of("family friendly", "family-friendly", "kid friendly", "child friendly")
                    : List.of("adults only");
            default -> List.of();
        };
    }

    /** Forms that follow the noun ("a pub in the city centre"). */
    static List<String> postModifiers(String slot, String v) {
        return switch (slot) {
            case "food" -> List.of("serving " + foodPhrase(v), "that serves " + foodPhrase(v),
                    "offering " + foodPhrase(v), "with " + foodPhrase(v));
            case "priceRange" -> switch (v) {
                case "cheap" -> List.of("with cheap prices", "with a cheap price range", "with low prices");
                case "moderate" -> List.of("with moderate prices", "with a moderate price range");
                case "high" -> List.of("with high prices", "with a high price range");
                case "less than £20" -> List.of("with prices less than £20", "with prices under £20",
                        "costing less than £20");
                case "£20-25" -> List.of("with prices of £20-25", "in the £20-25 price range", "with a £20-25 price range");
                case "more than £30" -> List.of("with prices over £30", "with a price range of more than £30",
                        "costing more than £30");
                default -> List.of("with a price range of " + v);
            };
            case "customer rating" -> switch (v) {
                case "low" -> List.of("with a low customer rating", "with a low rating");
                case "average" -> List.of("with an average customer rating", "with an average rating");
                case "high" -> List.of("with a high customer rating", "with a high rating");
                default -> List.of("with a customer rating of " + v, "rated " + v, "with a " + v + " rating");
            };
            case "area" -> v.equals("city centre")
                    ? List.of("in the city centre", "in the centre of the city", "located in the city centre")
                    : List.of("by the riverside", "in the riverside area", "on the riverside");
            case "familyFriendly" -> v.equals("yes")
                    ? List.of("that is family friendly", "that welcomes families", "that is kid friendly",
                            "which welcomes children")
                    : List.of("that is not family friendly", "that does not welcome children", "that is not kid friendly");
            case "near" -> List.of("near " + v, "close to " + v, "next to " + v, "not far from " + v);
            default -> throw new IllegalArgumentException("no post-modifier for slot " + slot);
        };
    }

    /** Verb phrases with a third-person singular subject ("It is family friendly"). */
    static List<String> verbPhrases(String slot, String v) {
        return switch (slot) {
            case "food" -> List.of("serves " + foodPhrase(v), "offers " + foodPhrase(v), "provides " + foodPhrase(v),
                    "has " + foodPhrase(v));
            case "priceRange" -> switch (v) {
                case "cheap" -> List.of("is cheap", "has cheap prices", "has a cheap price range");
                case "moderate" -> List.of("is moderately priced", "has moderate prices", "has a moderate price range");
                case "high" -> List.of("is expensive", "has high prices", "has a high price range");
                case "less than £20" -> List.of("has prices less than £20", "costs less than £20",
                        "has a price range of less than £20", "charges under £20");
                case "£20-25" -> List.of("has prices of £20-25", "has a price range of £20-25", "costs £20-25",
                        "charges between £20 and £25");
                case "more than £30" -> List.of("has prices over £30", "costs more than £30",
                        "has a price range of more than £30");
                default -> List.of("has a price range of " + v);
            };
            case "customer rating" -> switch (v) {
                case "low" -> List.of("has a low customer rating", "is rated low by customers", "is poorly rated",
                        "has a low rating");
                case "average" -> List.of("has an average customer rating", "is rated average by customers",
                        "has an average rating");
                case "high" -> List.of("has a high customer rating", "is highly rated", "is rated highly by customers",
                        "has a high rating");
                default -> List.of("has a customer rating of " + v, "is rated " + v, "is rated " + v + " by customers",
                        "has a rating of " + v);
            };
            case "area" -> v.equals("city centre")
                    ? List.of("is in the city centre", "is located in the city centre", "can be found in the city centre",
                            "is in the centre of the city")
                    : List.of("is by the riverside", "is located in the riverside area", "is on the riverside",
                            "can be found by the river");
            case "familyFriendly" -> v.equals("yes")
                    ? List.of("is family friendly", "is family-friendly", "is kid friendly", "welcomes families",
                            "is child friendly", "welcomes children")
                    : List.of("is not family friendly", "is not kid friendly", "is not family-friendly",
                            "does not welcome children", "is not child friendly", "is adults only");
            case "near" -> List.of("is near " + v, "is close to " + v, "is located near " + v, "can be found near " + v,
                    "is next to " + v);
            default -> throw new IllegalArgumentException("no verb phrase for slot " + slot);
        };
    }

    /** Sentence-initial locative phrases ("In the city centre, ..."). */
    static List<String> frontPhrases(String slot, String v) {
        if (slot.equals("area")) {
            return v.equals("city centre") ? List.of("In the city centre", "In the centre of the city")
                    : List.of("By the riverside", "In the riverside area");
        }
        return List.of("Near " + v, "Close to " + v);
    }

    /** "a" or "an" by the first letter of the phrase (enough for this vocabulary). */
    static String withArticle(String phrase) {
        char c = Character.toLowerCase(phrase.charAt(0));
        return ("aeiou".indexOf(c) >= 0 ? "an " : "a ") + phrase;
    }

    private static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    static <T> T pick(List<T> list, SplittableRandom rnd) {
        return list.get(rnd.nextInt(list.size()));
    }

    static <T> void shuffle(List<T> list, SplittableRandom rnd) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
