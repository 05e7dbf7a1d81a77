package io.fedsllm.nn;

import io.fedsllm.config.ModelShape;
import io.fedsllm.config.UserError;

/** Text ↔ token ids for a model; chosen by the model's vocabulary size. */
public interface TextTokenizer {
    int[] encode(String text);

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
        throw new UserError("model '" + shape.name() + "' has vocab " + shape.vocab() + ": no tokenizer; expected "
                + ByteTokenizer.VOCAB + " (byte-level) or " + Gpt2BpeTokenizer.VOCAB + " (GPT-2 BPE)");
    }
}
