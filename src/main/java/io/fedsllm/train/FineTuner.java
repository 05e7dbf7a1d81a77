package io.fedsllm.train;

import io.fedsllm.config.ModelShape;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.LanguageModel;
import io.fedsllm.nn.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Centralized LoRA fine-tuning of a language model (split or not) on prompt/completion pairs: validation loss
 * before, every {@code eval-every} steps and at the end, and greedy generation on test MRs scored before and after.
 */
public final class FineTuner {
    private FineTuner() {}

    /** A test MR: its slots (for the slot error rate), its prompt, and every reference. */
    public record TestMr(Map<String, String> slots, String prompt, List<String> refs) {}

    /** Corpus-level generation scores. */
    public record Scores(double bleu, double rougeL, double slotErrorRate) {}

    /** Scores generated texts against the test MRs (BLEU, ROUGE-L, slot error rate). */
    public interface Scorer {
        Scores score(List<TestMr> mrs, List<String> outputs);
    }

    /** Sees each finished training step and its mean loss (progress display). */
    public interface StepListener {
        void onStep(int step, double loss);
    }

    /** Validation loss after a number of steps. */
    public record EvalPoint(int step, double valLoss) {}

    public record Report(String model, int splitLayer, int rank, int steps, double valLossStart, double valLossEnd,
                         double valPerplexityStart, double valPerplexityEnd, Scores start, Scores end,
                         double stepsPerSecond, double tokensPerSecond, List<EvalPoint> curve, List<String> samples) {}

    /**
     * Runs the fine-tuning. {@code seed} draws the batches; {@code onStep} sees each finished step (progress).
     */
    public static Report run(LanguageModel lm, ModelShape shape, TrainSettings s, int rank, int splitLayer, long seed,
                             List<PromptCompletion> train, List<PromptCompletion> validation, List<TestMr> test,
                             Scorer scorer, StepListener onStep) {
        TextTokenizer tok = TextTokenizer.forModel(shape);
        List<PromptCompletion> val = validation.subList(0, Math.min(s.evalExamples(), validation.size()));
        List<TestMr> mrs = test.subList(0, Math.min(s.generationMrs(), test.size()));
        List<EvalPoint> curve = new ArrayList<>();
        double lossStart = validationLoss(lm, tok, val, s.batchSize(), shape.seqLen());
        curve.add(new EvalPoint(0, lossStart));
        Scores start = scorer.score(mrs, generate(lm, tok, mrs, s, shape));
        long tokens = 0;
        long t0 = System.nanoTime();
        long evalNanos = 0;
        for (int step = 1; step <= s.steps(); step++) {
            TokenBatch b = sample(train, tok, s.batchSize(), shape.seqLen(), Seeds.random(seed, "train-batch", step));
            double loss = lm.trainStep(b.inputs(), b.labels(), step);
            if (!Double.isFinite(loss)) {
                throw new io.fedsllm.config.UserError("training diverged at step " + step + " (loss " + loss
                        + "): lower fedsllm.train.learning-rate (now " + s.learningRate() + ")");
            }
            tokens += b.tokens();
            onStep.onStep(step, loss);
            if (step % s.evalEvery() == 0 && step != s.steps()) {
                long e0 = System.nanoTime();
                curve.add(new EvalPoint(step, validationLoss(lm, tok, val, s.batchSize(), shape.seqLen())));
                evalNanos += System.nanoTime() - e0;
            }
        }
        double seconds = (System.nanoTime() - t0 - evalNanos) / 1e9;
        double lossEnd = validationLoss(lm, tok, val, s.batchSize(), shape.seqLen());
        curve.add(new EvalPoint(s.steps(), lossEnd));
        List<String> outputs = generate(lm, tok, mrs, s, shape);
        Scores end = scorer.score(mrs, outputs);
        return new Report(shape.name(), splitLayer, rank, s.steps(), lossStart, lossEnd, Math.exp(lossStart),
                Math.exp(lossEnd), start, end, s.steps() / seconds, tokens / seconds, curve,
                outputs.subList(0, Math.min(3, outputs.size())));
    }

    /** Mean loss per labelled token over the examples (nats). */
    public static double validationLoss(LanguageModel lm, TextTokenizer tok, List<PromptCompletion> val, int batch, int seqLen) {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < val.size(); i += batch) {
            TokenBatch b = TokenBatch.promptCompletion(val.subList(i, Math.min(val.size(), i + batch)), tok, seqLen);
            sum += lm.lossSum(b.inputs(), b.labels());
            count += b.labelled();
        }
        return sum / count;
    }

    static TokenBatch sample(List<PromptCompletion> train, TextTokenizer tok, int batch, int seqLen, SplittableRandom r) {
        List<PromptCompletion> picked = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            picked.add(train.get(r.nextInt(train.size())));
        }
        return TokenBatch.promptCompletion(picked, tok, seqLen);
    }

    private static List<String> generate(LanguageModel lm, TextTokenizer tok, List<TestMr> mrs, TrainSettings s, ModelShape shape) {
        return GreedyDecoder.decode(lm, tok, mrs.stream().map(TestMr::prompt).toList(), s.maxNewTokens(), shape.context(),
                s.decodeBatch());
    }
}
