package io.fedsllm.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tokenisation BLEU and ROUGE-L share, close to sacrebleu's "13a" / mteval-v13a: lower-case (as the E2E
 * challenge scripts compare), then a token is a maximal run of letters and digits, and every other non-space
 * character (punctuation, £, apostrophes) is a token of its own. "£20-25." → [£, 20, -, 25, .].
 */
public final class MetricTokens {
    private MetricTokens() {}

    public static List<String> tokens(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (Character.isWhitespace(cp)) {
                i += len;
            } else if (Character.isLetterOrDigit(cp)) {
                int j = i;
                while (j < s.length() && Character.isLetterOrDigit(s.codePointAt(j))) {
                    j += Character.charCount(s.codePointAt(j));
                }
                out.add(s.substring(i, j));
                i = j;
            } else {
                out.add(s.substring(i, i + len));
                i += len;
            }
        }
        return out;
    }
}
