package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fedsllm.config.DataSettings;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.data.SyntheticE2e;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void tokenisationLowerCasesAndSplitsPunctuation() {
        assertEquals(List.of("the", "eagle", ",", "£", "20", "-", "25", "."), MetricTokens.tokens("The Eagle, £20-25."));
        assertEquals(List.of("isn", "'", "t", "café"), MetricTokens.tokens("  isn't   Café "));
    }

    @Test
    void bleuOfIdenticalTextIsOneAndOfEmptyHypothesisIsZero() {
        List<String> refs = List.of("The Eagle is a cheap pub in the city centre.", "Aromi serves Italian food near Avalon.");
        Bleu.Score same = Bleu.corpus(refs, refs.stream().map(List::of).toList());
        assertEquals(1.0, same.bleu(), EPS);
        assertEquals(1.0, same.brevityPenalty(), EPS);
        assertEquals(0.0, Bleu.corpus(List.of(""), List.of(List.of("The Eagle is a pub."))).bleu());
        assertEquals(0.0, Bleu.corpus(List.of("", ""), List.of(List.of("a b c d"), List.of("e f g h"))).bleu());
    }

    @Test
    void bleuTextbookExampleOneReference() {
        // hyp: the cat sat on the mat   ref: the cat sat on a mat   (6 tokens each, BP = 1)
        // 1-grams: the×2 (ref has 1 → clipped 1), cat, sat, on, mat        → 5/6
        // 2-grams: the cat ✓, cat sat ✓, sat on ✓, on the ✗, the mat ✗    → 3/5
        // 3-grams: the cat sat ✓, cat sat on ✓, sat on the ✗, on the mat ✗ → 2/4
        // 4-grams: the cat sat on ✓, cat sat on the ✗, sat on the mat ✗    → 1/3
        // BLEU = (5/6 · 3/5 · 2/4 · 1/3)^(1/4) = (1/12)^(1/4)
        Bleu.Score s = Bleu.corpus(List.of("the cat sat on the mat"), List.of(List.of("the cat sat on a mat")));
        assertArrayEquals(new double[] {5.0 / 6, 3.0 / 5, 2.0 / 4, 1.0 / 3}, s.precisions(), EPS);
        assertEquals(Math.pow(1.0 / 12, 0.25), s.bleu(), EPS);
        assertEquals(0.5372849659, s.bleu(), 1e-9);
    }

    @Test
    void bleuClipsAgainstTheBestReferenceAndUsesTheClosestLength() {
        // refs: "the cat sat on a mat" (6), "a cat sat on the mat there" (7); hyp has 6 tokens → r = 6, BP = 1.
        // 1-grams: the×2 clipped to 1 (each ref has one "the"), cat, sat, on, mat → 5/6
        // 2-grams: the cat (r1), cat sat, sat on, on the (r2), the mat (r2)       → 5/5
        // 3-grams: the cat sat (r1), cat sat on, sat on the (r2), on the mat (r2)  → 4/4
        // 4-grams: the cat sat on (r1), cat sat on the (r2), sat on the mat (r2)   → 3/3
        Bleu.Score s = Bleu.corpus(List.of("the cat sat on the mat"),
                List.of(List.of("the cat sat on a mat", "a cat sat on the mat there")));
        assertEquals(Math.pow(5.0 / 6, 0.25), s.bleu(), EPS);
        assertEquals(6, s.referenceLength());
        // Papineni's example: modified unigram precision of "the the the the the the the" is 2/7.
        Bleu.Score p = Bleu.corpus(List.of("the the the the the the the"),
                List.of(List.of("the cat is on the mat", "there is a cat on the mat")));
        assertEquals(2.0 / 7, p.precisions()[0], EPS);
        assertEquals(0.0, p.bleu());
    }

    @Test
    void bleuBrevityPenaltyIsCorpusLevel() {
        // Both hypotheses are prefixes of their references: every p_n = 1 (9/9, 7/7, 5/5, 3/3).
        // c = 6 + 3 = 9, r = 6 + 6 = 12 → BP = exp(1 - 12/9) = exp(-1/3).
        Bleu.Score s = Bleu.corpus(List.of("the cat sat on the mat", "a dog ran"),
                List.of(List.of("the cat sat on the mat"), List.of("a dog ran in the park")));
        assertEquals(Math.exp(-1.0 / 3), s.brevityPenalty(), EPS);
        assertEquals(Math.exp(-1.0 / 3), s.bleu(), EPS);
        assertEquals(9, s.hypothesisLength());
        assertEquals(12, s.referenceLength());
        assertThrows(IllegalArgumentException.class, () -> Bleu.corpus(List.of("a"), List.of()));
    }

    @Test
    void rougeLHandExamples() {
        // LCS(the cat sat on the mat, the cat is on the mat) = the cat on the mat = 5; P = R = 5/6 → F = 5/6.
        assertEquals(5.0 / 6, RougeL.sentence("the cat sat on the mat", List.of("the cat is on the mat")), EPS);
        // LCS(a b c d, a c e) = a c = 2; P = 2/4, R = 2/3 → F = 2·(1/2)(2/3)/(1/2 + 2/3) = 4/7.
        assertEquals(4.0 / 7, RougeL.sentence("a b c d", List.of("a c e")), EPS);
        // Best over references, then mean over hypotheses: (max(4/7, 1) + 0) / 2.
        assertEquals(0.5, RougeL.corpus(List.of("a b c d", "x y"), List.of(List.of("a c e", "a b c d"), List.of("z"))), EPS);
        assertEquals(0.0, RougeL.sentence("", List.of("a")), EPS);
    }

    private static Map<String, String> mr(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void slotErrorRateHandExamples() {
        Map<String, String> mr = mr("name", "The Eagle", "eatType", "pub", "food", "Italian", "familyFriendly", "no",
                "near", "Raja Indian Cuisine");
        SlotErrorRate ser = new SlotErrorRate(List.of(mr, mr("name", "Aromi", "near", "Avalon")));

        // All 5 realised; "Indian" inside the landmark is not a food, "not kid friendly" is not "kid friendly".
        SlotErrorRate.Check ok = ser.check(mr, "The Eagle is an Italian pub near Raja Indian Cuisine. It is not kid-friendly.");
        assertEquals(new SlotErrorRate.Check(List.of(), List.of(), List.of()), ok);

        // food missing, familyFriendly contradicted (says yes), eatType contradicted (restaurant), name wrong (Aromi).
        SlotErrorRate.Check bad = ser.check(mr, "Aromi is a family friendly restaurant near Raja Indian Cuisine.");
        assertEquals(List.of("food"), bad.missing());
        assertEquals(List.of("name", "eatType", "familyFriendly"), bad.wrong());
        // Corpus: 5 + 5 slot values, errors 0 + 4 → SER = 4/10; the added area in a third text does not count.
        SlotErrorRate.Result r = ser.corpus(List.of(mr, mr, mr("name", "Aromi")),
                List.of("The Eagle is an Italian pub near Raja Indian Cuisine. It is not kid-friendly.",
                        "Aromi is a family friendly restaurant near Raja Indian Cuisine.",
                        "Aromi is in the city centre."));
        assertEquals(new SlotErrorRate.Result(11, 1, 3, 1), r);
        assertEquals(4.0 / 11, r.rate(), EPS);

        // Contextual phrases: a high price is not a high rating; numeric values need their own phrase.
        Map<String, String> priced = mr("name", "Aromi", "priceRange", "high", "customer rating", "3 out of 5");
        assertEquals(List.of("customer rating"), ser.check(priced, "Aromi is expensive and highly rated.").wrong());
        assertEquals(List.of("customer rating"), ser.check(priced, "Aromi has high prices.").missing());
        assertEquals(List.of(), ser.check(priced, "Aromi has a high price range and is rated 3 out of 5.").missing());
    }

    @Test
    void syntheticReferencesRealiseEverySlotAndWrongMrsAreCaught() {
        E2eDataset d = SyntheticE2e.generate(new DataSettings.Synthetic(400, 10, 10, 3, 1, 6, 126), 11);
        List<Map<String, String>> mrs = new ArrayList<>();
        List<String> refs = new ArrayList<>();
        for (E2eRecord r : d.train()) {
            mrs.add(r.slots());
            refs.add(r.ref());
        }
        SlotErrorRate ser = new SlotErrorRate(mrs);
        SlotErrorRate.Result exact = ser.corpus(mrs, refs);
        assertEquals(0, exact.missing() + exact.wrong() + exact.added(), "synthetic refs: " + exact);
        // Shift the references by one MR: most slot values are now missing or contradicted.
        List<String> shifted = new ArrayList<>(refs.subList(3, refs.size()));
        shifted.addAll(refs.subList(0, 3));
        double rate = ser.corpus(mrs, shifted).rate();
        assertEquals(true, rate > 0.5, "SER of mismatched refs " + rate);
    }
}
