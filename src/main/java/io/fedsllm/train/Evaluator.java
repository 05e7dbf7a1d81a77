package io.fedsllm.train;

import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.LoraAdapters;
import java.util.List;

/**
 * Validation loss of the full model = client global LoRA (blocks [0, split)) + server LoRA (blocks [split, L)) on
 * the shared frozen base (read in place, never attached to a step): the mean loss per labelled token over the given
 * validation examples (the first {@code train.eval-examples}, in batches of {@code train.batch-size}, exactly as
 * {@link FineTuner}), without dropout or gradients. Touches no training state: the adapters are built for the call and closed after it.
 */
public final class Evaluator implements AutoCloseable {
    private final TrainContext ctx;
    private final List<PromptCompletion> validation;

    private Evaluator(TrainContext ctx, List<PromptCompletion> validation) {
        this.ctx = ctx;
        this.validation = List.copyOf(validation);
    }

    /** An evaluator of the given validation examples ({@link TrainData#validationExamples()}). */
    public static Evaluator create(TrainContext ctx, List<PromptCompletion> validation) {
        return new Evaluator(ctx, validation);
    }

    /** Mean validation loss (nats per labelled token); the two LoRA shares must cover every adapted block once. */
    public double validationLoss(int splitLayer, LoraBlocks clientGlobal, LoraBlocks server) {
        ctx.checkSplit(splitLayer);
        int layers = ctx.shape().layers();
        clientGlobal.checkHoldsExactly(ctx.shape(), ctx.lora(), 0, splitLayer, "client LoRA for evaluation");
        server.checkHoldsExactly(ctx.shape(), ctx.lora(), splitLayer, layers, "server LoRA for evaluation");
        LoraBlocks all = clientGlobal.merge(server);
        try (LoraAdapters adapters = all.toAdapters(ctx.shape(), ctx.lora(), 0, layers, ctx.newManager())) {
            // No dropout, no training: the optimiser CausalLm creates is never stepped and closes with the adapters.
            CausalLm lm = CausalLm.sharingBase(ctx.shape(), ctx.base(), adapters, ctx.adam());
            return FineTuner.validationLoss(lm, ctx.tokenizer(), validation, ctx.evalBatchSize(),
                    ctx.shape().seqLen());
        }
    }

    @Override
    public void close() {
        // Nothing of its own: the base belongs to the context, the adapters to each call.
    }
}
