package io.fedsllm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.PretrainSettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PretrainCorpusTest {
    private static final PretrainSettings SMALL = new PretrainSettings(2000, 2, 6);

    @Test
    void sameSeedSameCorpusOtherSeedOtherCorpusAndPrefixStable() {
        List<String> a = PretrainCorpus.documents(SMALL, 4);
        assertEquals(2000, a.size());
        assertEquals(a, PretrainCorpus.documents(SMALL, 4));
        assertNotEquals(a, PretrainCorpus.documents(SMALL, 5));
        // Asking for fewer documents gives a prefix of the same corpus.
        assertEquals(a.subList(0, 100), PretrainCorpus.documents(new PretrainSettings(100, 2, 6), 4));
    }

    @Test
    void textIsVariedPlainEnglishWithPunctuation() {
        List<String> docs = PretrainCorpus.documents(SMALL, 1);
        Set<String> distinct = new HashSet<>(docs);
        assertTrue(distinct.size() > 0.99 * docs.size(), distinct.size() + " distinct of " + docs.size());
        Set<String> words = new HashSet<>();
        long bytes = 0;
        for (String d : docs) {
            bytes += d.length();
            assertTrue(Character.isUpperCase(d.charAt(0)) || d.charAt(0) == '"', d);
            char last = d.charAt(d.length() - 1);
            assertTrue(".!?\"".indexOf(last) >= 0, d);
            for (char c : d.toCharArray()) {
                // printable ASCII, plus the pound sign of prices (two bytes in UTF-8, as in the E2E data)
                assertTrue(c >= 32 && c < 127 || c == '£', "printable ASCII or £ only: " + d);
            }
            for (String w : d.toLowerCase(Locale.ROOT).split("[^a-z']+")) {
                words.add(w);
            }
        }
        assertTrue(words.size() > 500, "vocabulary " + words.size());
        String all = String.join(" ", docs);
        for (String mark : List.of("?", "!", "\"", ",", "'", ":")) {
            assertTrue(all.contains(mark), "uses " + mark);
        }
        double mean = (double) bytes / docs.size();
        assertTrue(mean > 100 && mean < 300, "mean document length " + mean);
    }

    @Test
    void corpusStaysOffTheFineTuningTask() {
        // Everyday restaurant words are ordinary English (web text taught GPT-2 them too); the task is not: no MR
        // syntax and none of the venue names or landmarks, which fine-tuning must copy from the MR.
        List<String> forbidden = new ArrayList<>(List.of("||", "[", "]", "eattype", "pricerange", "familyfriendly"));
        SyntheticE2e.NAMES.forEach(n -> forbidden.add(n.toLowerCase(Locale.ROOT)));
        SyntheticE2e.LANDMARKS.forEach(n -> forbidden.add(n.toLowerCase(Locale.ROOT)));
        String all = " " + String.join(" ", PretrainCorpus.documents(SMALL, 2)).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9£|\\[\\]é]+", " ") + " ";
        for (String f : forbidden) {
            String needle = f.chars().allMatch(Character::isLetterOrDigit) || f.contains(" ") ? " " + f + " " : f;
            assertFalse(all.contains(needle), "pre-training text mentions '" + f + "'");
        }
    }

    @Test
    void everyTopicAppearsAndSettingsAreValidated() {
        String all = String.join(" ", PretrainCorpus.documents(SMALL, 3));
        for (String cue : List.of("wind", "train", "fox", "town", "woke up", "restaurant")) {
            assertTrue(all.contains(cue), cue);
        }
        assertEquals(new PretrainSettings(20000, 2, 6), PretrainSettings.from(ConfigReader.root(ConfigLoader.withSets())));
        assertThrows(ConfigError.class, () -> PretrainSettings.from(ConfigReader.root(
                ConfigLoader.withSets("data.pretrain.sentences-min=4", "data.pretrain.sentences-max=3"))));
    }

    @Test
    void namesRecurWithinDocuments() {
        // Each document has a main character that {name} picks half of the time: the base sees names repeated,
        // the copying a data-to-text model needs. Without it, a name recurs only by chance (1 in 27 per pick).
        List<String> names = List.of("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Harry", "Isla",
                "Jack", "Kate", "Leo", "Maya", "Noah", "Olivia", "Peter", "Ruth", "Sam", "Tom", "Zoe", "Oscar", "Lucy",
                "Henry", "Alice");
        List<String> docs = PretrainCorpus.documents(SMALL, 4);
        long withRepeat = docs.stream().filter(d -> names.stream().anyMatch(n -> d.split("\\b" + n + "\\b", -1).length > 2)).count();
        assertTrue(withRepeat > docs.size() / 5, withRepeat + " of " + docs.size() + " documents repeat a name");
    }
}
