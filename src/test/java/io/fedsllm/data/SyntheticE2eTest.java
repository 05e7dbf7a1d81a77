package io.fedsllm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.UserError;
import java.nio.charset.StandardCharsets;
import io.fedsllm.train.SlotErrorRate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SyntheticE2eTest {
    private static DataSettings settings(String... sets) {
        return DataSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    @Test
    void splitsHaveConfiguredSizesAndAreDisjointByMr() {
        DataSettings s = settings("data.synthetic.train-mrs=300", "data.synthetic.validation-mrs=40",
                "data.synthetic.test-mrs=50", "data.synthetic.refs-per-mr=3");
        E2eDataset d = E2eDataset.load(s);
        assertEquals(900, d.train().size());
        assertEquals(120, d.validation().size());
        assertEquals(150, d.test().size());
        List<E2eDataset.MrRefs> train = E2eDataset.forMr(d.train());
        List<E2eDataset.MrRefs> val = E2eDataset.forMr(d.validation());
        List<E2eDataset.MrRefs> test = E2eDataset.forMr(d.test());
        assertEquals(300, train.size());
        assertEquals(40, val.size());
        assertEquals(50, test.size());
        Set<String> all = new HashSet<>();
        for (List<E2eDataset.MrRefs> split : List.of(train, val, test)) {
            for (E2eDataset.MrRefs m : split) {
                assertTrue(all.add(m.mr()), "MR in two splits: " + m.mr());
                assertEquals(3, m.refs().size());
            }
        }
    }

    @Test
    void everyMrHasNameAndOnlyKnownValuesInCanonicalOrder() {
        List<Map<String, String>> mrs = SyntheticE2e.sampleMrs(3, 500, 1, 3);
        for (Map<String, String> mr : mrs) {
            assertTrue(mr.containsKey("name"));
            assertTrue(mr.size() >= 2 && mr.size() <= 4, mr.toString());
            List<String> order = List.copyOf(mr.keySet());
            int last = -1;
            for (String slot : order) {
                assertTrue(E2eRecord.SLOTS.indexOf(slot) > last, "canonical order " + order);
                last = E2eRecord.SLOTS.indexOf(slot);
                assertTrue(SyntheticE2e.VALUES.get(slot).contains(mr.get(slot)));
            }
            // The MR survives the official spelling round trip.
            assertEquals(mr, E2eRecord.parseMr(E2eRecord.mr(mr)));
        }
        // Every value of every slot occurs somewhere, so a model can learn to realise each one.
        for (String slot : E2eRecord.SLOTS) {
            Set<String> seen = new HashSet<>();
            mrs.forEach(m -> {
                if (m.containsKey(slot)) {
                    seen.add(m.get(slot));
                }
            });
            assertEquals(Set.copyOf(SyntheticE2e.VALUES.get(slot)), seen, slot);
        }
    }

    @Test
    void sameSeedSameDataAndOtherSeedOtherData() {
        DataSettings.Synthetic s = new DataSettings.Synthetic(50, 5, 5, 2, 1, 3, 126);
        assertEquals(SyntheticE2e.generate(s, 7), SyntheticE2e.generate(s, 7));
        assertNotEquals(SyntheticE2e.generate(s, 7).train(), SyntheticE2e.generate(s, 8).train());
        // A larger training split keeps validation and test and extends train.
        E2eDataset small = SyntheticE2e.generate(s, 7);
        E2eDataset large = SyntheticE2e.generate(new DataSettings.Synthetic(80, 5, 5, 2, 1, 3, 126), 7);
        assertEquals(small.validation(), large.validation());
        assertEquals(small.test(), large.test());
        assertEquals(small.train(), large.train().subList(0, small.train().size()));
        // More references per MR leave the MRs unchanged.
        DataSettings.Synthetic more = new DataSettings.Synthetic(50, 5, 5, 4, 1, 3, 126);
        assertEquals(E2eDataset.forMr(SyntheticE2e.generate(s, 7).train()).stream().map(E2eDataset.MrRefs::mr).toList(),
                E2eDataset.forMr(SyntheticE2e.generate(more, 7).train()).stream().map(E2eDataset.MrRefs::mr).toList());
    }

    @Test
    void referencesVaryAndStayShort() {
        DataSettings s = settings();
        E2eDataset d = E2eDataset.load(s);
        long bytes = 0;
        int distinctRefs = 0;
        int overBudget = 0;
        for (E2eRecord r : d.train()) {
            int b = E2eText.trainingText(r).getBytes(StandardCharsets.UTF_8).length;
            bytes += b;
            overBudget += b > s.synthetic().maxTextBytes() ? 1 : 0;
            assertTrue(r.ref().endsWith("."), r.ref());
            assertTrue(Character.isUpperCase(r.ref().charAt(0)) || Character.isDigit(r.ref().charAt(0)), r.ref());
        }
        for (E2eDataset.MrRefs m : E2eDataset.forMr(d.train())) {
            distinctRefs += new HashSet<>(m.refs()).size();
        }
        double meanBytes = (double) bytes / d.train().size();
        assertTrue(meanBytes < 120, "mean training text bytes " + meanBytes);
        assertTrue(meanBytes > 50, "mean training text bytes " + meanBytes);
        assertTrue(overBudget < 0.15 * d.train().size(), overBudget + " texts over the byte budget");
        // Nearly every reference of an MR differs from its siblings.
        assertTrue(distinctRefs > 0.95 * d.train().size(), distinctRefs + " of " + d.train().size());
    }

    @Test
    void everyTemplatePhraseIsRecognisedBySlotErrorRate() {
        SlotErrorRate ser = new SlotErrorRate(List.of(Map.of("name", "Aromi")));
        int checked = 0;
        for (String slot : E2eRecord.SLOTS.subList(2, E2eRecord.SLOTS.size())) {
            for (String value : SyntheticE2e.VALUES.get(slot)) {
                List<String> phrases = new ArrayList<>();
                phrases.addAll(SyntheticE2e.adjectives(slot, value));
                phrases.addAll(SyntheticE2e.postModifiers(slot, value));
                phrases.addAll(SyntheticE2e.verbPhrases(slot, value));
                if (slot.equals("area") || slot.equals("near")) {
                    phrases.addAll(SyntheticE2e.frontPhrases(slot, value));
                }
                Map<String, String> mr = new LinkedHashMap<>();
                mr.put("name", "Aromi");
                mr.put(slot, value);
                for (String phrase : phrases) {
                    String text = "Aromi " + phrase + ".";
                    assertEquals(new SlotErrorRate.Check(List.of(), List.of(), List.of()), ser.check(mr, text), text);
                    checked++;
                }
            }
        }
        assertTrue(checked > 300, "phrases checked " + checked);
    }

    @Test
    void articlesAgree() {
        assertEquals("an Italian pub", SyntheticE2e.withArticle("Italian pub"));
        assertEquals("a cheap pub", SyntheticE2e.withArticle("cheap pub"));
        String ref = SyntheticE2e.realise(Map.of("name", "Aromi", "eatType", "restaurant"), new SplittableRandom(1));
        assertTrue(ref.contains("Aromi") && ref.contains("restaurant"), ref);
    }

    @Test
    void impossibleSizesAndBadSettingsAreRejected() {
        // With exactly one slot besides name there are |names| * (sum of the other slots' value counts) MRs.
        int oneSlotValues = 0;
        for (String slot : E2eRecord.SLOTS.subList(1, E2eRecord.SLOTS.size())) {
            oneSlotValues += SyntheticE2e.VALUES.get(slot).size();
        }
        int possible = SyntheticE2e.NAMES.size() * oneSlotValues;
        UserError e = assertThrows(UserError.class, () -> SyntheticE2e.sampleMrs(1, possible + 1, 1, 1));
        assertTrue(e.getMessage().contains("distinct MRs"), e.getMessage());
        assertEquals(possible, SyntheticE2e.sampleMrs(1, possible, 1, 1).size());
        assertThrows(ConfigError.class, () -> settings("data.synthetic.extra-slots-min=3", "data.synthetic.extra-slots-max=2"));
        ConfigError files = assertThrows(ConfigError.class, () -> settings("data.dataset=files"));
        assertTrue(files.getMessage().contains("data.files.train"), files.getMessage());
        assertThrows(ConfigError.class, () -> settings("data.dataset=kaggle"));
    }
}
