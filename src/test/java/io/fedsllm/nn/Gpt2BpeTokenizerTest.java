package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ModelShape;
import io.fedsllm.config.UserError;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** GPT-2's byte-level BPE against ids of the published GPT-2 vocabulary, round trips, and the prompt/completion cut. */
class Gpt2BpeTokenizerTest {
    final Gpt2BpeTokenizer tok = new Gpt2BpeTokenizer();

    @Test
    void encodesWithTheGpt2Vocabulary() {
        assertArrayEquals(new int[] {15496, 995}, tok.encode("Hello world"));
        assertArrayEquals(new int[] {383}, tok.encode(" The"));
        assertArrayEquals(new int[] {464}, tok.encode("The"));
        assertEquals(50256, tok.eos(), "<|endoftext|>");
        assertEquals(50256, tok.bos());
        assertEquals(50256, tok.pad());
        assertEquals(50257, tok.vocab());
        assertEquals(tok.vocab(), TextTokenizer.forModel(new ModelShape("g", 2, 8, 2, 16, 8, 8, 50257)).vocab());
    }

    @Test
    void roundTripsUnicodeTextAndDropsEndOfText() {
        String text = "Café Rouge — naïve “quotes”, 日本語 and 😀 at £20-25.\n\tTabs  and  spaces.";
        int[] ids = tok.encode(text);
        assertEquals(text, tok.decode(ids));
        assertTrue(ids.length < text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, "BPE merges bytes");
        assertTrue(IntStream.of(ids).allMatch(i -> i >= 0 && i < tok.vocab() && i != tok.eos()));
        int[] framed = IntStream.concat(IntStream.concat(IntStream.of(tok.bos()), IntStream.of(ids)), IntStream.of(tok.eos())).toArray();
        assertEquals(text, tok.decode(framed), "special tokens are dropped");
    }

    /** A custom shape must use one of the two vocabularies a tokenizer exists for; the error says which. */
    @Test
    void otherVocabulariesAreRejectedNamingTheAllowedOnes() {
        for (int vocab : new int[] {260, 1000, 50258}) {
            String m = org.junit.jupiter.api.Assertions.assertThrows(UserError.class,
                    () -> TextTokenizer.forModel(new ModelShape("custom", 2, 8, 2, 16, 8, 8, vocab))).getMessage();
            assertTrue(m.contains("'custom' has vocab " + vocab) && m.contains("vocab 259 (byte-level) or 50257 (GPT-2 BPE)"), m);
        }
        assertEquals(259, TextTokenizer.forModel(new ModelShape("custom", 2, 8, 2, 16, 8, 8, 259)).vocab());
    }

    /**
     * "MR || " + "The ..." tokenized as GPT-2 tokenizes the joined text: the space goes with "The" (" The" = 383),
     * not alone (220) at the end of the prompt. The byte tokenizer keeps its plain per-part encoding.
     */
    @Test
    void promptCompletionCutIsCanonical() {
        String prompt = "name[The Eagle], food[French] || ";
        String completion = "The Eagle serves French food.";
        int[][] pair = tok.encodePair(prompt, completion);
        int[] joined = tok.encode(prompt + completion);
        assertArrayEquals(joined, IntStream.concat(IntStream.of(pair[0]), IntStream.of(pair[1])).toArray());
        assertEquals(383, pair[1][0], "the completion starts with ' The'");
        assertArrayEquals(tok.encode("name[The Eagle], food[French] ||"), pair[0]);
        assertArrayEquals(pair[0], tok.encodePrompt(prompt), "generation is prompted with the same ids");
        int[] naive = IntStream.concat(IntStream.of(tok.encode(prompt)), IntStream.of(tok.encode(completion))).toArray();
        assertFalse(Arrays.equals(joined, naive), "encoding the parts alone is not canonical (a lone ' ' = 220)");
        assertEquals(220, tok.encode(prompt)[tok.encode(prompt).length - 1]);

        ByteTokenizer bytes = new ByteTokenizer();
        int[][] bytePair = bytes.encodePair(prompt, completion);
        assertArrayEquals(bytes.encode(prompt), bytePair[0]);
        assertArrayEquals(bytes.encode(completion), bytePair[1]);
        assertArrayEquals(bytes.encode(prompt), bytes.encodePrompt(prompt));
    }
}
