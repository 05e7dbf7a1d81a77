package io.fedsllm.config;

/**
 * Size of the generated pre-training corpus ({@code fedsllm.data.pretrain}); its seed is {@code data.seed}.
 *
 * @param documents     number of documents
 * @param sentencesMin  sentences per document, at least
 * @param sentencesMax  sentences per document, at most
 */
public record PretrainSettings(int documents, int sentencesMin, int sentencesMax) {
    public static PretrainSettings from(ConfigReader root) {
        ConfigReader r = root.section("data").section("pretrain");
        int min = r.positiveInt("sentences-min");
        int max = r.positiveInt("sentences-max");
        if (max < min) {
            throw r.invalid("sentences-max", "must be >= sentences-min (" + min + ")");
        }
        return new PretrainSettings(r.positiveInt("documents"), min, max);
    }
}
