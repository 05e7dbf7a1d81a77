package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ModelShape;
import java.util.List;

/**
 * The unsplit model in one graph: LoRA fine-tuning (base frozen, only adapters trained) or, without adapters,
 * full fine-tuning of every base weight (pre-training).
 */
public final class CausalLm implements LanguageModel {
    private final Gpt2Forward forward;
    private final Optimizer optimizer;
    private final double dropout;
    private final long seed;
    private final long stream;

    private CausalLm(Gpt2Forward forward, Optimizer optimizer, double dropout, long seed, long stream) {
        this.forward = forward;
        this.optimizer = optimizer;
        this.dropout = dropout;
        this.seed = seed;
        this.stream = stream;
    }

    /** LoRA fine-tuning: base frozen (no gradient computed for it), the optimiser of {@code optimizer} on the adapters. */
    public static CausalLm withLora(ModelShape shape, ParamSet base, LoraAdapters lora, Optimizer.Settings optimizer,
                                    double dropout, long seed, long stream) {
        base.setRequiresGradient(false);
        Optimizer opt = Optimizer.create(lora.params().arrays(), lora.params().manager(), optimizer);
        return new CausalLm(new Gpt2Forward(shape, base, lora), opt, dropout, seed, stream);
    }

    /**
     * LoRA on a frozen base shared with other models of the node ({@link Gpt2Forward#sharingBase}: the base is read
     * in place, never attached to a step or changed), without dropout: evaluation and decoding on any thread.
     */
    public static CausalLm sharingBase(ModelShape shape, ParamSet base, LoraAdapters lora, AdamW.Settings adam) {
        AdamW opt = new AdamW(lora.params().arrays(), lora.params().manager(), adam);
        return new CausalLm(Gpt2Forward.sharingBase(shape, base, lora), opt, 0, 0, 0);
    }

    /** Full fine-tuning of every base weight (no adapters, no dropout). */
    public static CausalLm fullFineTuning(ModelShape shape, ParamSet base, AdamW.Settings adam) {
        base.setRequiresGradient(true);
        AdamW opt = new AdamW(base.arrays(), base.manager().newSubManager(), adam);
        return new CausalLm(new Gpt2Forward(shape, base, null), opt, 0, 0, 0);
    }

    public Gpt2Forward forward() {
        return forward;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public double trainStep(int[][] inputs, int[][] labels, long step) {
        try (NDManager s = forward.openStep()) {
            double loss = backward(s, inputs, labels, step);
            optimizer.step(s);
            return loss;
        }
    }

    /** Loss and gradients of one step without updating (gradients stay in the parameters until zeroed). */
    public double computeGradients(int[][] inputs, int[][] labels, long step) {
        try (NDManager s = forward.openStep()) {
            return backward(s, inputs, labels, step);
        }
    }

    private double backward(NDManager s, int[][] inputs, int[][] labels, long step) {
        try (Autograd.Scope recording = Autograd.recording()) {
            NDArray loss = LmLoss.crossEntropy(s, forward.logits(s, inputs, new LoraDropout(dropout, seed, stream, step)), labels);
            Autograd.backward(loss);
            return loss.getFloat();
        }
    }

    @Override
    public double lossSum(int[][] inputs, int[][] labels) {
        try (NDManager s = forward.openStep()) {
            NDArray loss = LmLoss.crossEntropy(s, forward.logits(s, inputs, LoraDropout.NONE), labels);
            return (double) loss.getFloat() * LmLoss.labelled(labels);
        }
    }

    @Override
    public int[][] argmaxNext(int[][] inputs) {
        try (NDManager s = forward.openStep()) {
            return toRows(forward.logits(s, inputs, LoraDropout.NONE).argMax(-1), inputs.length);
        }
    }

    /** Logits of the whole model as floats [B*T*V] (tests compare them bit for bit). */
    public float[] logits(int[][] inputs) {
        try (NDManager s = forward.openStep()) {
            return forward.logits(s, inputs, LoraDropout.NONE).toFloatArray();
        }
    }

    static int[][] toRows(NDArray argmax, int b) {
        long[] flat = argmax.toLongArray();
        int t = flat.length / b;
        int[][] out = new int[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                out[i][j] = (int) flat[i * t + j];
            }
        }
        return out;
    }

    public List<float[]> gradients() {
        return optimizer.gradients();
    }

    @Override
    public void close() {
        // The parameter sets are owned by the caller, who closes them.
    }
}
