package io.fedsllm.emu;

import io.fedsllm.config.ModelShape;
import io.fedsllm.nn.ActivationCodec;
import io.fedsllm.nn.LmLoss;
import java.util.Arrays;

/**
 * Real-mode checks of one message's tensors before they join a round, so that a bad message is rejected alone
 * (the trainer would fail the whole server step on it).
 */
final class Payloads {
    private Payloads() {}

    /**
     * Why one client's activations of one iteration are unusable, or null: they must be an activation message of
     * shape [b, T, d-model] with labels [b][T] (T ≤ seq-len, labels in [0, vocab) or IGNORE) and finite values.
     */
    static String checkActivations(byte[] payload, int[][] labels, int batchSize, ModelShape shape) {
        if (payload == null || labels == null) {
            return "real mode needs the activation bytes and the labels";
        }
        if (labels.length != batchSize || labels[0] == null || labels[0].length == 0) {
            return "labels of " + labels.length + " sequences, expected the mini-batch size b = " + batchSize;
        }
        int t = labels[0].length;
        if (t > shape.seqLen()) {
            return "sequence length " + t + " exceeds seq-len " + shape.seqLen();
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == null || labels[i].length != t) {
                return "label row " + i + " is not of length " + t;
            }
            for (int l : labels[i]) {
                if (l != LmLoss.IGNORE && (l < 0 || l >= shape.vocab())) {
                    return "label " + l + " in row " + i + " outside [0, " + shape.vocab() + ")";
                }
            }
        }
        long[] want = {batchSize, t, shape.dModel()};
        long[] got;
        try {
            got = ActivationCodec.shapeOf(payload).getShape();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!Arrays.equals(got, want)) {
            return "activations of shape " + Arrays.toString(got) + ", expected " + Arrays.toString(want);
        }
        float[] v = ActivationCodec.values(payload);
        int bad = ActivationCodec.firstNonFinite(v);
        return bad < 0 ? null : "activation value " + v[bad] + " at flat index " + bad + " is not finite";
    }
}
