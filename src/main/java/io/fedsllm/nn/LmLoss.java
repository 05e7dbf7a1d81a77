package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Mean next-token cross-entropy over the labelled positions (label -1 = ignored, e.g. prompt or padding). */
public final class LmLoss {
    /** The label of a position that does not count in the loss. */
    public static final int IGNORE = -1;

    private LmLoss() {}

    /** The scalar mean loss (nats per labelled token); logits [B, T, V], labels [B][T]. */
    public static NDArray crossEntropy(NDManager step, NDArray logits, int[][] labels) {
        Shape s = logits.getShape();
        int b = labels.length;
        int t = labels[0].length;
        if (s.dimension() != 3 || s.get(0) != b || s.get(1) != t) {
            throw new IllegalArgumentException("logits of shape " + s + " do not match labels [" + b + ", " + t + "]");
        }
        long[] idx = new long[b * t];
        float[] weight = new float[b * t];
        int counted = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int l = labels[i][j];
                if (l != IGNORE) {
                    if (l < 0 || l >= s.get(2)) {
                        throw new IllegalArgumentException("label " + l + " at [" + i + ", " + j + "] outside vocab [0, " + s.get(2) + ")");
                    }
                    idx[i * t + j] = l;
                    weight[i * t + j] = 1f;
                    counted++;
                }
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("no labelled position in the batch (all labels are " + IGNORE + ")");
        }
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(step.create(idx, new Shape(b, t, 1)), 2).reshape(b, t);
        NDArray w = step.create(weight, new Shape(b, t)).toType(DataType.FLOAT32, false);
        NDArray sum = picked.mul(w).sum();
        return sum.mul(Gpt2Forward.scalar(sum, -1f / counted));
    }

    /** Number of labelled positions. */
    public static int labelled(int[][] labels) {
        int n = 0;
        for (int[] row : labels) {
            for (int l : row) {
                if (l != IGNORE) {
                    n++;
                }
            }
        }
        return n;
    }
}
