package io.fedsllm.nn;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * GPT-2's byte-level BPE (r50k_base, 50257 tokens) from jtokkit, whose merge tables ship in its jar (no
 * download). {@code <|endoftext|>} (50256) serves as bos, eos and pad, as in GPT-2.
 */
public final class Gpt2BpeTokenizer implements TextTokenizer {
    public static final int VOCAB = 50257;
    private static final int END_OF_TEXT = 50256;
    private static final Encoding ENCODING = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @Override
    public int[] encode(String text) {
        return ENCODING.encodeOrdinary(text).toArray();
    }

    /**
     * The prompt's trailing whitespace moves into the completion ({@code "MR || " + "The"} is cut as
     * {@code "MR ||" + " The"}), as GPT-2 tokenizes the joined text: its pre-tokenizer never joins a non-space
     * character with a following space, so the cut falls between pre-tokens and the two parts' ids are exactly those
     * of the joined text. (A prompt without trailing whitespace followed by a completion that starts with a
     * non-space character may share a pre-token; each part is then encoded alone.)
     */
    @Override
    public int[][] encodePair(String prompt, String completion) {
        int cut = prompt.length();
        while (cut > 0 && Character.isWhitespace(prompt.charAt(cut - 1))) {
            cut--;
        }
        return new int[][] {encode(prompt.substring(0, cut)), encode(prompt.substring(cut) + completion)};
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id != END_OF_TEXT) {
                list.add(id);
            }
        }
        return ENCODING.decode(list);
    }

    @Override
    public int bos() {
        return END_OF_TEXT;
    }

    @Override
    public int eos() {
        return END_OF_TEXT;
    }

    @Override
    public int pad() {
        return END_OF_TEXT;
    }

    @Override
    public int vocab() {
        return VOCAB;
    }
}
