package io.fedsllm.config;

import java.util.List;

/**
 * Where LoRA adapters go and how they are scaled ({@code fedsllm.lora}).
 *
 * @param targets     adapted projections, any of "q", "k", "v", "o" (attention output), "fc" (MLP in), "proj" (MLP out)
 * @param lastBlocks  adapt only the last n blocks (0 = not set); the RoBERTa split-LoRA paper uses 3
 * @param blocks      adapt only blocks [from, to) (null = not set); excludes {@code lastBlocks}
 * @param rank        rank used when no planner chooses one (the planner's candidates are {@code planner.ranks})
 * @param alpha       LoRA alpha; the update is scaled by alpha / rank
 * @param dropout     dropout on the adapter input, in [0, 1)
 */
public record LoraSettings(List<String> targets, int lastBlocks, Blocks blocks, int rank, double alpha, double dropout) {

    public static final List<String> ALLOWED_TARGETS = List.of("q", "k", "v", "o", "fc", "proj");

    /** A range of blocks [from, to), 0-based. */
    public record Blocks(int from, int to) {
        public boolean contains(int block) {
            return block >= from && block < to;
        }

        @Override
        public String toString() {
            return "[" + from + ", " + to + ")";
        }
    }

    public LoraSettings {
        if (lastBlocks < 0) {
            throw new ConfigError("config key 'fedsllm.lora.last-blocks' = " + lastBlocks + ": expected a whole number >= 0");
        }
        if (blocks != null && (blocks.from() < 0 || blocks.to() <= blocks.from())) {
            throw new ConfigError("config key 'fedsllm.lora.blocks' = [" + blocks.from() + ", " + blocks.to()
                    + "]: expected [from, to] with 0 <= from < to (blocks from..to-1 are adapted)");
        }
        if (blocks != null && lastBlocks > 0) {
            throw new ConfigError("config keys 'fedsllm.lora.blocks' = [" + blocks.from() + ", " + blocks.to()
                    + "] and 'fedsllm.lora.last-blocks' = " + lastBlocks + " conflict: set one of them (last-blocks = n is the"
                    + " shortcut for blocks = [L - n, L]), leave the other at its default ([] and 0)");
        }
    }

    /** Adapters on every block (no range, no last-blocks). */
    public LoraSettings(List<String> targets, int lastBlocks, int rank, double alpha, double dropout) {
        this(targets, lastBlocks, null, rank, alpha, dropout);
    }

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
        List<Integer> range = r.getIntList("blocks");
        Blocks blocks = null;
        if (!range.isEmpty()) {
            if (range.size() != 2 || range.get(0) < 0 || range.get(1) <= range.get(0)) {
                throw r.bad(r.key("blocks"), "[] (not set) or [from, to] with 0 <= from < to: blocks from..to-1 are adapted");
            }
            blocks = new Blocks(range.get(0), range.get(1));
        }
        return new LoraSettings(List.copyOf(targets), r.nonNegativeInt("last-blocks"), blocks, r.positiveInt("rank"),
                r.positiveDouble("alpha"), dropout);
    }

    /**
     * The blocks [from, to) of model {@code m} that carry adapters: {@code blocks}, else the last {@code lastBlocks},
     * else every block. A range beyond the model's L blocks is a {@link ConfigError} naming the key and the range allowed.
     */
    public Blocks adaptedBlocks(ModelShape m) {
        int l = m.layers();
        if (blocks != null) {
            if (blocks.to() > l) {
                throw new ConfigError("config key 'fedsllm.lora.blocks' = [" + blocks.from() + ", " + blocks.to()
                        + "]: expected [from, to] with 0 <= from < to <= " + l + " (the blocks of model '" + m.name() + "')");
            }
            return blocks;
        }
        if (lastBlocks > l) {
            throw new ConfigError("config key 'fedsllm.lora.last-blocks' = " + lastBlocks + ": expected at most " + l
                    + " (the blocks of model '" + m.name() + "'); 0 = every block");
        }
        return new Blocks(lastBlocks == 0 ? 0 : l - lastBlocks, l);
    }
}
