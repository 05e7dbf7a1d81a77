package io.fedsllm.config;

import java.util.List;

/**
 * The shape of a GPT-2 style decoder, shared by the analytic cost model ({@code cost}) and the real model
 * ({@code nn}). Presets live under {@code fedsllm.models.<name>} in application.conf; any new entry there is a
 * custom shape.
 *
 * @param name    preset name (the key under {@code fedsllm.models})
 * @param layers  number of transformer blocks L
 * @param dModel  hidden size d_model
 * @param heads   attention heads (must divide dModel)
 * @param dFf     feed-forward inner size d_ff
 * @param context position-embedding table size (maximum sequence length the model accepts)
 * @param seqLen  training sequence length used by the cost model and the trainer (≤ context)
 * @param vocab   vocabulary size (LM head rows; the token embedding is tied to it)
 */
public record ModelShape(String name, int layers, int dModel, int heads, int dFf, int context, int seqLen, int vocab) {

    /** The keys of a preset under {@code fedsllm.models.<name>}, every one required. */
    public static final List<String> KEYS = List.of("layers", "d-model", "heads", "d-ff", "context", "seq-len", "vocab");

    public ModelShape {
        if (layers < 2) {
            throw new ConfigError("model '" + name + "': layers = " + layers + ": expected >= 2 (a split needs a block on each side)");
        }
        if (dModel <= 0 || heads <= 0 || dModel % heads != 0) {
            throw new ConfigError("model '" + name + "': d-model = " + dModel + ", heads = " + heads
                    + ": expected positive values with heads dividing d-model");
        }
        if (dFf <= 0 || vocab <= 0 || context <= 0) {
            throw new ConfigError("model '" + name + "': d-ff, vocab and context must be > 0");
        }
        if (seqLen <= 0 || seqLen > context) {
            throw new ConfigError("model '" + name + "': seq-len = " + seqLen + ": expected in [1, context = " + context + "]");
        }
    }

    /** Reads {@code fedsllm.models.<name>}; an unknown name lists the presets. */
    public static ModelShape named(ConfigReader root, String name) {
        ConfigReader models = root.section("models");
        if (!models.has(quote(name))) {
            throw new ConfigError("unknown model '" + name + "': expected one of "
                    + models.keys()
                    + " or a custom entry under fedsllm.models");
        }
        ConfigReader m = models.section(quote(name));
        return new ModelShape(name, m.positiveInt("layers"), m.positiveInt("d-model"), m.positiveInt("heads"),
                m.positiveInt("d-ff"), m.positiveInt("context"), m.positiveInt("seq-len"), m.positiveInt("vocab"));
    }

    /**
     * The preset that key {@code name} of {@code section} names (e.g. {@code train.model}); an unknown preset is an
     * error about that key, so it names the flag or file it came from ({@code --model bogus}).
     */
    public static ModelShape presetAt(ConfigReader section, String name) {
        String preset = section.getString(name);
        ConfigReader models = ConfigReader.root(section.config()).section("models");
        if (!models.has(quote(preset))) {
            throw section.invalid(name, "unknown model '" + preset + "': expected one of " + models.keys()
                    + " or a custom entry under fedsllm.models");
        }
        return named(ConfigReader.root(section.config()), preset);
    }

    private static String quote(String name) {
        return "\"" + name + "\"";
    }

    public int headDim() {
        return dModel / heads;
    }
}
