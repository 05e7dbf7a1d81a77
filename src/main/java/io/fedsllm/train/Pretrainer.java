package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.PretrainRunSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.Gpt2Weights;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.TextTokenizer;
import io.fedsllm.nn.TorchRuntime;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * Pre-trains a base model from GPT-2 initialisation by full fine-tuning of every weight on a text corpus
 * (next-token loss on random windows). Deterministic: initial weights and windows come from {@link Seeds}.
 */
public final class Pretrainer {
    private Pretrainer() {}

    /** A text corpus and a fingerprint of what generated it (part of the cache key). */
    public record Corpus(List<String> documents, String fingerprint) {}

    /**
     * Runs {@code settings.steps()} steps and returns the trained weights (owned by {@code manager}).
     * {@code onStep} receives each step's loss (progress display). Runs on any thread.
     */
    public static ParamSet pretrain(ModelShape shape, PretrainRunSettings settings, Corpus corpus, NDManager manager,
                                    DoubleConsumer onStep) {
        TorchRuntime.prepareThread();
        TextTokenizer tok = TextTokenizer.forModel(shape);
        int[] stream = tokenStream(corpus.documents(), tok);
        ParamSet base = Gpt2Weights.random(shape, settings.seed(), manager);
        AdamW.Settings adam = new AdamW.Settings(settings.learningRate(), settings.beta1(), settings.beta2(), settings.epsilon(),
                settings.weightDecay(), settings.gradClipNorm());
        CausalLm lm = CausalLm.fullFineTuning(shape, base, adam);
        for (int step = 0; step < settings.steps(); step++) {
            lm.optimizer().setLearningRateFactor(learningRateFactor(step, settings.warmupSteps(), settings.steps(),
                    settings.minLrFraction()));
            TokenBatch b = TokenBatch.windows(stream, shape.seqLen(), settings.batchSize(),
                    Seeds.random(settings.seed(), "pretrain-batch", step));
            onStep.accept(lm.trainStep(b.inputs(), b.labels(), step));
        }
        base.setRequiresGradient(false);
        return base;
    }

    /**
     * Linear warm-up to the peak, then cosine decay to {@code minFraction} of it (pretrain.min-lr-fraction; a common
     * transformer schedule).
     */
    static double learningRateFactor(int step, int warmup, int steps, double minFraction) {
        if (step < warmup) {
            return (step + 1.0) / warmup;
        }
        double progress = (step - warmup) / (double) Math.max(1, steps - warmup);
        return minFraction + (1 - minFraction) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    /** Documents as one token stream, each document followed by eos. */
    static int[] tokenStream(List<String> documents, TextTokenizer tok) {
        int n = 0;
        List<int[]> parts = new java.util.ArrayList<>();
        for (String d : documents) {
            int[] ids = tok.encode(d);
            parts.add(ids);
            n += ids.length + 1;
        }
        int[] out = new int[n];
        int p = 0;
        for (int[] ids : parts) {
            System.arraycopy(ids, 0, out, p, ids.length);
            p += ids.length;
            out[p++] = tok.eos();
        }
        return out;
    }
}
