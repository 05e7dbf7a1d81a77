package io.fedsllm.config;

/**
 * How large a client's raw shard is when the centralized scheme uploads it to the server before training
 * ({@code fedsllm.emu.centralized-upload}; the upload itself is {@code plan.DataUpload}).
 *
 * @param bytesPerToken   bytes of one token id on the link (whole bytes; 256^bytesPerToken must hold the vocabulary)
 * @param tokensPerSample analytic mode: tokens of one sample; null = the cost model's seq-len (real mode counts the
 *                        tokens of each tokenised example instead)
 */
public record DataUploadSettings(int bytesPerToken, Integer tokensPerSample) {
    private static final String SECTION = "centralized-upload";

    public static DataUploadSettings from(ConfigReader root) {
        ConfigReader r = root.section("emu").section(SECTION);
        Integer tokens = r.config().getIsNull(r.key("tokens-per-sample")) ? null : r.positiveInt("tokens-per-sample");
        return new DataUploadSettings(r.intInRange("bytes-per-token", 1, 8), tokens);
    }

    /** Rejects a token width too narrow for {@code vocab} ids (e.g. 1 byte for GPT-2's 50,257), naming the key. */
    public void checkVocabulary(ConfigReader root, int vocab, String model) {
        if (bytesPerToken < 8 && vocab > 1L << (8 * bytesPerToken)) {
            throw root.section("emu").section(SECTION).invalid("bytes-per-token", bytesPerToken + " byte(s) hold "
                    + (1L << (8 * bytesPerToken)) + " token ids, but model '" + model + "' has " + vocab
                    + "; use at least " + bytesFor(vocab));
        }
    }

    /** Analytic mode: tokens of a sample when the cost model's sequences are {@code seqLen} tokens long. */
    public int tokensPerSample(int seqLen) {
        return tokensPerSample != null ? tokensPerSample : seqLen;
    }

    private static int bytesFor(int vocab) {
        int b = 1;
        while (vocab > 1L << (8 * b)) {
            b++;
        }
        return b;
    }
}
