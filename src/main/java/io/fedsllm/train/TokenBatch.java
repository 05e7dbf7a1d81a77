package io.fedsllm.train;

import io.fedsllm.nn.LmLoss;
import io.fedsllm.nn.TextTokenizer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A batch of token sequences [B][T] and their next-token labels ({@link LmLoss#IGNORE} where a position does not
 * count: prompt and padding).
 */
public record TokenBatch(int[][] inputs, int[][] labels) {

    /** Number of labelled positions (the tokens the loss averages over). */
    public int labelled() {
        return LmLoss.labelled(labels);
    }

    /** Number of input positions (B·T, the tokens the model processes). */
    public int tokens() {
        return inputs.length * inputs[0].length;
    }

    /**
     * Fine-tuning sequences {@code <bos> prompt completion <eos>}, cut to {@code seqLen + 1} tokens; the loss counts
     * only completion and eos tokens (the cut between them is {@link TextTokenizer#encodePair}'s). Rows are right-padded to the longest row (causal attention never looks at
     * the padding of a row's own later positions).
     */
    public static TokenBatch promptCompletion(List<PromptCompletion> examples, TextTokenizer tok, int seqLen) {
        int b = examples.size();
        int[][] seqs = new int[b][];
        int[] promptLen = new int[b];
        int t = 1;
        for (int i = 0; i < b; i++) {
            int[][] pair = tok.encodePair(examples.get(i).prompt(), examples.get(i).completion());
            seqs[i] = sequence(pair, tok, seqLen);
            promptLen[i] = 1 + pair[0].length;
            t = Math.max(t, seqs[i].length - 1);
        }
        int[][] in = new int[b][t];
        int[][] lab = new int[b][t];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(in[i], tok.pad());
            java.util.Arrays.fill(lab[i], LmLoss.IGNORE);
            for (int j = 0; j + 1 < seqs[i].length; j++) {
                in[i][j] = seqs[i][j];
                // label j predicts token j+1; count it only if that token belongs to the completion (or eos)
                if (j + 1 >= promptLen[i]) {
                    lab[i][j] = seqs[i][j + 1];
                }
            }
        }
        return new TokenBatch(in, lab);
    }

    /** {@code <bos> prompt completion <eos>} of an encoded pair, cut to {@code seqLen + 1} tokens. */
    private static int[] sequence(int[][] pair, TextTokenizer tok, int seqLen) {
        int[] p = pair[0];
        int[] c = pair[1];
        int n = Math.min(seqLen + 1, 1 + p.length + c.length + 1);
        int[] s = new int[n];
        int k = 0;
        s[k++] = tok.bos();
        for (int x : p) {
            if (k < n) {
                s[k++] = x;
            }
        }
        for (int x : c) {
            if (k < n) {
                s[k++] = x;
            }
        }
        if (k < n) {
            s[k] = tok.eos();
        }
        return s;
    }

    /**
     * The tokens of the examples' sequences as {@link #promptCompletion} builds them, without padding: what holding
     * the examples tokenised takes (the prompt/completion cut is the separator the prompt ends with).
     */
    public static long tokens(List<PromptCompletion> examples, TextTokenizer tok, int seqLen) {
        long n = 0;
        for (PromptCompletion e : examples) {
            n += sequence(tok.encodePair(e.prompt(), e.completion()), tok, seqLen).length;
        }
        return n;
    }

    /** {@code b} random windows of {@code seqLen + 1} tokens from a token stream (pre-training); every label counts. */
    public static TokenBatch windows(int[] stream, int seqLen, int b, SplittableRandom r) {
        if (stream.length < seqLen + 2) {
            throw new IllegalArgumentException("token stream of " + stream.length + " tokens is shorter than one window of "
                    + (seqLen + 1));
        }
        int[][] in = new int[b][seqLen];
        int[][] lab = new int[b][seqLen];
        for (int i = 0; i < b; i++) {
            int start = r.nextInt(stream.length - seqLen);
            System.arraycopy(stream, start, in[i], 0, seqLen);
            System.arraycopy(stream, start + 1, lab[i], 0, seqLen);
        }
        return new TokenBatch(in, lab);
    }
}
