package io.fedsllm.train;

import io.fedsllm.nn.LanguageModel;
import io.fedsllm.nn.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Greedy decoding: {@code <bos> prompt}, then the most likely token until eos, the token budget or the context. */
public final class GreedyDecoder {
    private GreedyDecoder() {}

    /**
     * The text each prompt's continuation decodes to (special tokens dropped); {@code batch} prompts are decoded
     * together (train.decode-batch: one forward per generated token for all of them).
     */
    public static List<String> decode(LanguageModel lm, TextTokenizer tok, List<String> prompts, int maxNewTokens,
                                      int context, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("decode batch " + batch + ": expected >= 1");
        }
        List<String> out = new ArrayList<>();
        for (int c = 0; c < prompts.size(); c += batch) {
            out.addAll(decodeChunk(lm, tok, prompts.subList(c, Math.min(prompts.size(), c + batch)), maxNewTokens, context));
        }
        return out;
    }

    private static List<String> decodeChunk(LanguageModel lm, TextTokenizer tok, List<String> prompts, int maxNew, int context) {
        int n = prompts.size();
        int[][] seq = new int[n][];
        int[] len = new int[n];
        int[] start = new int[n];
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            int[] p = tok.encodePrompt(prompts.get(i)); // as in training (TokenBatch.promptCompletion)
            // keep the end of an over-long prompt, leaving room for at least one new token
            int keep = Math.min(p.length, context - 2);
            seq[i] = new int[context];
            Arrays.fill(seq[i], tok.pad());
            seq[i][0] = tok.bos();
            System.arraycopy(p, p.length - keep, seq[i], 1, keep);
            len[i] = 1 + keep;
            start[i] = len[i];
        }
        for (int step = 0; step < maxNew; step++) {
            int t = 0;
            for (int i = 0; i < n; i++) {
                if (!done[i]) {
                    t = Math.max(t, len[i]);
                }
            }
            if (t == 0) {
                break;
            }
            int[][] in = new int[n][];
            for (int i = 0; i < n; i++) {
                in[i] = Arrays.copyOf(seq[i], t);
            }
            int[][] next = lm.argmaxNext(in);
            for (int i = 0; i < n; i++) {
                if (done[i]) {
                    continue;
                }
                int token = next[i][len[i] - 1];
                if (token == tok.eos() || len[i] >= context) {
                    done[i] = true;
                } else {
                    seq[i][len[i]++] = token;
                    done[i] = len[i] >= context;
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(tok.decode(Arrays.copyOfRange(seq[i], start[i], len[i])).trim());
        }
        return out;
    }
}
