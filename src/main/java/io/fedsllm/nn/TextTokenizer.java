package io.fedsllm.nn;

import io.fedsllm.config.ModelShape;
import io.fedsllm.config.UserError;

/** Text ↔ token ids for a model; chosen by the model's vocabulary size. */
public interface TextTokenizer {
    int[] encode(String text);

    /**
     * A prompt and its completion as {prompt ids, completion ids}, cut where the prompt ends. The default encodes
     * each alone, which is exact for byte-level tokens; a tokenizer whose tokens span characters overrides it so
     * that the two parts together are the tokens of the joined text.
     */
    default int[][] encodePair(String prompt, String completion) {
        return new int[][] {encode(prompt), encode(completion)};
    }

    /** The ids a generation prompt is given as: always the prompt part of {@link #encodePair}. */
    default int[] encodePrompt(String prompt) {
        return encodePair(prompt, "")[0];
    }

    /** Decodes ids; special tokens (bos, eos, pad) are dropped. */
    String decode(int[] ids);

    int bos();

    int eos();

    int pad();

    int vocab();

    /** Byte-level (vocab 259, the {@code tiny} preset) or GPT-2 BPE r50k_base (vocab 50257, gpt2-*). */
    static TextTokenizer forModel(ModelShape shape) {
        if (shape.vocab() == ByteTokenizer.VOCAB) {
            return new ByteTokenizer();
        }
        if (shape.vocab() == Gpt2BpeTokenizer.VOCAB) {
            return new Gpt2BpeTokenizer();
        }
        throw new UserError("model '" + shape.name() + "' has vocab " + shape.vocab() + ": no tokenizer for it; a model under"
                + " fedsllm.models (custom shapes too) must have vocab " + ByteTokenizer.VOCAB + " (byte-level) or "
                + Gpt2BpeTokenizer.VOCAB + " (GPT-2 BPE)");
    }
}
