package io.fedsllm.config;

import java.util.List;

/**
 * Where LoRA adapters go and how they are scaled ({@code fedsllm.lora}).
 *
 * @param targets     adapted projections, any of "q", "k", "v", "o" (attention output), "fc" (MLP in), "proj" (MLP out)
 * @param lastBlocks  adapt only the last n blocks (0 = every block); the RoBERTa split-LoRA paper uses 3
 * @param rank        rank used when no planner chooses one (the planner's candidates are {@code planner.ranks})
 * @param alpha       LoRA alpha; the update is scaled by alpha / rank
 * @param dropout     dropout on the adapter input, in [0, 1)
 */
public record LoraSettings(List<String> targets, int lastBlocks, int rank, double alpha, double dropout) {

    public static final List<String> ALLOWED_TARGETS = List.of("q", "k", "v", "o", "fc", "proj");

    public static LoraSettings from(ConfigReader root) {
        ConfigReader r = root.section("lora");
        List<String> targets = r.getStringList("targets");
        if (targets.isEmpty() || !ALLOWED_TARGETS.containsAll(targets)) {
            throw r.bad(r.key("targets"), "a non-empty list drawn from " + ALLOWED_TARGETS);
        }
        double dropout = r.getDouble("dropout");
        if (dropout < 0 || dropout >= 1) {
            throw r.bad(r.key("dropout"), "a number in [0, 1)");
        }
        return new LoraSettings(List.copyOf(targets), r.nonNegativeInt("last-blocks"), r.positiveInt("rank"),
                r.positiveDouble("alpha"), dropout);
    }
}
