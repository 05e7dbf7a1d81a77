package io.fedsllm.train;

import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.LoraAdapters;

/**
 * Validation loss of the full model = client global LoRA (blocks [0, split)) + server LoRA (blocks [split, L)) on
 * the shared frozen base: the mean loss per labelled token over the context's validation examples (the first
 * {@code train.eval-examples}, in batches of {@code train.batch-size}, exactly as {@link FineTuner}), without
 * dropout or gradients. Touches no training state: the adapters are built for the call and closed after it.
 */
public final class Evaluator implements AutoCloseable {
    private final TrainContext ctx;

    private Evaluator(TrainContext ctx) {
        this.ctx = ctx;
    }

    public static Evaluator create(TrainContext ctx) {
        return new Evaluator(ctx);
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
            CausalLm lm = CausalLm.withLora(ctx.shape(), ctx.base(), adapters, ctx.adam(), 0, 0, 0);
            return FineTuner.validationLoss(lm, ctx.tokenizer(), ctx.validationExamples(), ctx.evalBatchSize(),
                    ctx.shape().seqLen());
        }
    }

    @Override
    public void close() {
        // Nothing of its own: the base belongs to the context, the adapters to each call.
    }
}
