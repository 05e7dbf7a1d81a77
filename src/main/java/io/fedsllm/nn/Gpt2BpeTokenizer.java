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
