package io.fedsllm.train;

import io.fedsllm.config.OptimizationSettings;
import java.util.List;

/**
 * The federated server's strategy for the client-side LoRA ({@code train.fed-strategy}): once per round it turns
 * the global copy the round started from and the clients' uploads into the next global copy.
 *
 * <ul>
 *   <li>{@code fedavg}: the |D_k|-weighted average ({@link FedAvg}, McMahan et al. 2017); stateless.</li>
 *   <li>{@code fedprox}: the same average at the server; the clients add FedProx's proximal term
 *       (Li et al. 2020) to their objective ({@link ClientTrainer}); stateless.</li>
 *   <li>{@code fedavgm}: server momentum on the pseudo-gradient w_global − average (Hsu et al. 2019).</li>
 *   <li>{@code fedadam}, {@code fedyogi}, {@code fedadagrad}: Reddi et al. 2021, Algorithm 2: the weighted average
 *       client change Δ = average − w_global is a pseudo-gradient for an Adam / Yogi / Adagrad step.</li>
 * </ul>
 *
 * <p>Contract with the federated server: call {@link #aggregate} once per round, with the uploads in client-id
 * order (sums run in that order, so the result is reproducible); {@code global} is exactly the copy broadcast at the
 * round's start, in the layout (blocks, rank) of the uploads. One instance per experiment; single-threaded.
 *
 * <p>State ({@link #state}, {@link #restoreState}): per block of the client-side LoRA, the strategy's moment
 * tensors and its step count. It follows the global copy's layout at each {@link #aggregate}: blocks that stay keep
 * their state; a block that leaves the global copy (the split moves down, the block goes to the main server) loses
 * it; a block that joins (the split moves up) starts from zero moments and step 0; a rank change resets every
 * block (the factors A, B are re-parameterised by {@link LoraBlocks#resized}, so moments of the old coordinates mean
 * nothing in the new ones), as the trainers' optimiser state is reset by a reconfigure.
 */
public interface ServerStrategy {
    /**
     * The next global copy. {@code uploads} (client-id order) must share the layout of {@code global}, with one
     * positive sample count |D_k| each and finite values (IllegalArgumentException naming the problem otherwise;
     * nothing changes then).
     */
    LoraBlocks aggregate(LoraBlocks global, List<LoraBlocks> uploads, List<Integer> samples);

    /**
     * The strategy's state as safetensors bytes (F32 tensors {@code h.<block>.<target>.lora_A|B.<slot>} in block
     * and tensor order; metadata {@code format = fedsllm-strategy-state}, {@code strategy}, {@code rank},
     * {@code steps} = {@code block:count,...}): the same state gives the same bytes. A checkpoint holds them.
     */
    byte[] state();

    /** Replaces the state with bytes from {@link #state} of the same strategy (IllegalArgumentException otherwise). */
    void restoreState(byte[] state);

    /** The strategy's config name ({@code fedavg}, {@code fedadam}, ...). */
    String name();

    /** The strategy {@code train.fed-strategy} names, with its settings. */
    static ServerStrategy create(OptimizationSettings s) {
        return switch (s.strategy()) {
            case FEDAVG -> new AveragingStrategy("fedavg");
            case FEDPROX -> new AveragingStrategy("fedprox");
            case FEDAVGM -> new FedAvgMStrategy(s.fedAvgM());
            case FEDADAM, FEDYOGI, FEDADAGRAD -> new FedOptStrategy(s.strategy(), s.fedOpt());
        };
    }
}
