package io.fedsllm.train;

import java.util.List;

/**
 * ROUGE-L (Lin 2004) F-measure with β = 1, as Google's rouge-score package defines it: for a hypothesis h and a
 * reference r with longest common subsequence LCS (over {@link MetricTokens}), P = LCS/|h|, R = LCS/|r|,
 * F = 2PR/(P+R) (0 when LCS = 0). Per hypothesis the best F over its references is taken; the corpus score is
 * the mean over hypotheses. (The E2E challenge scripts use pycocoevalcap's β = 1.2 variant; values differ slightly.)
 */
public final class RougeL {
    private RougeL() {}

    /** Mean over hypotheses of the best F over each hypothesis's references, in [0, 1]. */
    public static double corpus(List<String> hypotheses, List<List<String>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference lists");
        }
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("ROUGE-L of an empty corpus is undefined");
        }
        double sum = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            sum += sentence(hypotheses.get(i), references.get(i));
        }
        return sum / hypotheses.size();
    }

    /** The best F over the references. */
    public static double sentence(String hypothesis, List<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("hypothesis has no reference: " + hypothesis);
        }
        List<String> h = MetricTokens.tokens(hypothesis);
        double best = 0;
        for (String ref : references) {
            List<String> r = MetricTokens.tokens(ref);
            int lcs = lcs(h, r);
            if (lcs > 0) {
                double p = (double) lcs / h.size();
                double rec = (double) lcs / r.size();
                best = Math.max(best, 2 * p * rec / (p + rec));
            }
        }
        return best;
    }

    /** Length of the longest common subsequence (dynamic programming, two rows). */
    static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = a.get(i - 1).equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }
}
