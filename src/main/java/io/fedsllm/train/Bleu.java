package io.fedsllm.train;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU-4 (Papineni et al. 2002) with several references per hypothesis, as sacrebleu computes it with
 * smoothing "none": clipped n-gram counts (a hypothesis n-gram counts at most as often as it occurs in the
 * reference where it occurs most) summed over the corpus for n = 1..4, precisions p_n = matches_n / total_n,
 * BLEU = BP · exp(¼ Σ log p_n), and brevity penalty BP = 1 if c > r else exp(1 − r/c), where c is the total
 * hypothesis length and r the sum of, per hypothesis, the reference length closest to it (the shorter on ties).
 * Any p_n = 0 (including no n-grams at all) or c = 0 gives BLEU = 0. Tokens: {@link MetricTokens}. Scores in [0, 1].
 */
public final class Bleu {
    public static final int MAX_ORDER = 4;

    private Bleu() {}

    /**
     * A corpus BLEU score and its parts.
     *
     * @param bleu            the score in [0, 1]
     * @param precisions      p_1..p_4
     * @param brevityPenalty  BP
     * @param hypothesisLength c, tokens
     * @param referenceLength  r, tokens
     */
    public record Score(double bleu, double[] precisions, double brevityPenalty, long hypothesisLength,
            long referenceLength) {}

    /** BLEU of hypotheses.get(i) against references.get(i) (one or more references each). */
    public static Score corpus(List<String> hypotheses, List<List<String>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference lists");
        }
        long[] matches = new long[MAX_ORDER];
        long[] totals = new long[MAX_ORDER];
        long c = 0;
        long r = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            List<String> hyp = MetricTokens.tokens(hypotheses.get(i));
            List<List<String>> refs = references.get(i).stream().map(MetricTokens::tokens).toList();
            if (refs.isEmpty()) {
                throw new IllegalArgumentException("hypothesis " + i + " has no reference");
            }
            c += hyp.size();
            r += closestLength(hyp.size(), refs);
            for (int n = 1; n <= MAX_ORDER; n++) {
                Map<List<String>, Integer> hypCounts = ngrams(hyp, n);
                Map<List<String>, Integer> maxRef = new HashMap<>();
                for (List<String> ref : refs) {
                    ngrams(ref, n).forEach((g, k) -> maxRef.merge(g, k, Math::max));
                }
                for (Map.Entry<List<String>, Integer> e : hypCounts.entrySet()) {
                    matches[n - 1] += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
                    totals[n - 1] += e.getValue();
                }
            }
        }
        double[] p = new double[MAX_ORDER];
        double logSum = 0;
        boolean zero = c == 0;
        for (int n = 0; n < MAX_ORDER; n++) {
            p[n] = totals[n] == 0 ? 0 : (double) matches[n] / totals[n];
            if (p[n] == 0) {
                zero = true;
            } else {
                logSum += Math.log(p[n]);
            }
        }
        double bp = c == 0 ? 0 : c > r ? 1 : Math.exp(1 - (double) r / c);
        double bleu = zero ? 0 : bp * Math.exp(logSum / MAX_ORDER);
        return new Score(bleu, p, bp, c, r);
    }

    /** The reference length closest to the hypothesis length; the shorter one on ties. */
    static int closestLength(int hypLength, List<List<String>> refs) {
        int best = -1;
        for (List<String> ref : refs) {
            int len = ref.size();
            if (best < 0 || Math.abs(len - hypLength) < Math.abs(best - hypLength)
                    || (Math.abs(len - hypLength) == Math.abs(best - hypLength) && len < best)) {
                best = len;
            }
        }
        return best;
    }

    static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }
}
