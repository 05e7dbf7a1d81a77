package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.Gpt2Weights;
import io.fedsllm.nn.LmLoss;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.SplitLm;
import io.fedsllm.nn.ByteTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fine-tuning loop on an in-test stand-in dataset: batches, evaluation, decoding, split = unsplit. */
class FineTunerTest {
    static final ModelShape SHAPE = new ModelShape("ft-test", 2, 32, 4, 64, 48, 48, 259);
    static final LoraSettings LORA = new LoraSettings(List.of("q", "v"), 0, 4, 8, 0.1);

    static TrainSettings settings(int steps) {
        return new TrainSettings("ft-test", 1, "", steps, 4, 5e-3, 0.9, 0.999, 1e-8, 0.01, 1.0, 3, 8, 4, 12, 32,
                new TrainSettings.Bench(List.of("ft-test"), 2, 8, 0, 1), "cpu");
    }

    static List<PromptCompletion> examples(int n, int offset) {
        String[] foods = {"Thai", "French", "Indian", "Greek"};
        List<PromptCompletion> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String f = foods[(i + offset) % foods.length];
            out.add(new PromptCompletion("food[" + f + "] || ", "It serves " + f + " food."));
        }
        return out;
    }

    @Test
    void promptTokensAreNotLabelled() {
        ByteTokenizer tok = new ByteTokenizer();
        TokenBatch b = TokenBatch.promptCompletion(List.of(new PromptCompletion("ab", "cd"), new PromptCompletion("a", "b")), tok, 40);
        // row 0: <bos> a b c d <eos> → inputs <bos> a b c d ; labels predict c, d, <eos> only
        assertEquals(5, b.inputs()[0].length);
        assertEquals(List.of(LmLoss.IGNORE, LmLoss.IGNORE, (int) 'c', (int) 'd', tok.eos()),
                java.util.Arrays.stream(b.labels()[0]).boxed().toList());
        assertEquals(List.of(LmLoss.IGNORE, (int) 'b', tok.eos(), LmLoss.IGNORE, LmLoss.IGNORE),
                java.util.Arrays.stream(b.labels()[1]).boxed().toList());
        assertEquals(tok.pad(), b.inputs()[1][4]);
    }

    @Test
    void splitAndUnsplitFineTuningAgree() {
        TrainSettings s = settings(6);
        AdamW.Settings adam = new AdamW.Settings(s.learningRate(), s.beta1(), s.beta2(), s.epsilon(), s.weightDecay(), s.gradClipNorm());
        List<FineTuner.TestMr> test = List.of(new FineTuner.TestMr(Map.of("food", "Thai"), "food[Thai] || ", List.of("It serves Thai food.")));
        FineTuner.Scorer scorer = (mrs, outs) -> new FineTuner.Scores(0, 0, outs.get(0).contains("Thai") ? 0 : 1);
        FineTuner.Report[] r = new FineTuner.Report[2];
        try (ParamSet base = Gpt2Weights.random(SHAPE, 9, NDManager.newBaseManager())) {
            LoraAdapters lora = LoraAdapters.init(SHAPE, LORA, 4, 9, 0, 2, base.manager().newSubManager());
            r[0] = FineTuner.run(CausalLm.withLora(SHAPE, base, lora, adam, LORA.dropout(), 9, 0), SHAPE, s, 4, 0, 9,
                    examples(20, 0), examples(8, 1), test, scorer, (st, l) -> { });
            try (SplitLm split = new SplitLm(SHAPE, base, LORA, 4, 1, adam, 9, 0)) {
                r[1] = FineTuner.run(split, SHAPE, s, 4, 1, 9, examples(20, 0), examples(8, 1), test, scorer, (st, l) -> { });
            }
        }
        assertEquals(r[0].valLossStart(), r[1].valLossStart(), 1e-5);
        assertEquals(r[0].valLossEnd(), r[1].valLossEnd(), 1e-4);
        assertTrue(r[0].valLossEnd() < r[0].valLossStart(), "six steps on a repetitive task lower the validation loss");
        assertEquals(List.of(0, 3, 6), r[0].curve().stream().map(FineTuner.EvalPoint::step).toList());
        assertEquals(r[0].samples(), r[1].samples(), "greedy decoding agrees");
    }

    /**
     * With GPT-2 BPE, {@code <bos> MR || ref <eos>} is the tokens of the joined text (the space before the reference
     * goes with its first word), labels start at that word, and generation is prompted with the same prompt ids.
     */
    @Test
    void bpeTrainingAndGenerationCutPromptAndCompletionCanonically() {
        io.fedsllm.nn.Gpt2BpeTokenizer bpe = new io.fedsllm.nn.Gpt2BpeTokenizer();
        String prompt = "name[Blue Spice], eatType[pub] || ";
        String ref = "Blue Spice is a pub.";
        TokenBatch b = TokenBatch.promptCompletion(List.of(new PromptCompletion(prompt, ref)), bpe, 64);
        int[] joined = bpe.encode(prompt + ref);
        int[] want = new int[joined.length + 2];
        want[0] = bpe.bos();
        System.arraycopy(joined, 0, want, 1, joined.length);
        want[want.length - 1] = bpe.eos();
        assertEquals(java.util.Arrays.stream(want, 0, want.length - 1).boxed().toList(),
                java.util.Arrays.stream(b.inputs()[0]).boxed().toList(), "inputs = <bos> + tokens of the joined text");
        int promptTokens = bpe.encode("name[Blue Spice], eatType[pub] ||").length;
        for (int j = 0; j < b.labels()[0].length; j++) {
            int expected = j + 1 > promptTokens ? want[j + 1] : LmLoss.IGNORE;
            assertEquals(expected, b.labels()[0][j], "label " + j);
        }
        assertEquals(bpe.encode(" Blue")[0], b.labels()[0][promptTokens], "the first labelled token is ' Blue'");

        List<int[]> seen = new ArrayList<>();
        io.fedsllm.nn.LanguageModel recorder = new io.fedsllm.nn.LanguageModel() {
            @Override
            public double trainStep(int[][] inputs, int[][] labels, long step) {
                throw new UnsupportedOperationException();
            }

            @Override
            public double lossSum(int[][] inputs, int[][] labels) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int[][] argmaxNext(int[][] inputs) {
                seen.add(inputs[0].clone());
                int[][] next = new int[inputs.length][inputs[0].length];
                for (int[] row : next) {
                    java.util.Arrays.fill(row, bpe.eos());
                }
                return next;
            }

            @Override
            public void close() {}
        };
        GreedyDecoder.decode(recorder, bpe, List.of(prompt), 4, 64, 8);
        assertEquals(java.util.Arrays.stream(want, 0, 1 + promptTokens).boxed().toList(),
                java.util.Arrays.stream(seen.get(0)).boxed().toList(), "generation sees <bos> + the training prompt ids");
    }
}
