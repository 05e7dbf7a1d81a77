package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ModelShape;

/**
 * The server segment of a split at block boundary ℓ: blocks [ℓ, L), the final LayerNorm and the LM head with
 * their LoRA adapters. The head is tied to the token embedding, which lives on the client; the server holds a
 * frozen copy of {@code wte}. Base weights are never trained, so the copy stays equal and the split is exact.
 */
public final class SplitServer implements AutoCloseable {
    /** Result of one server step: the mean loss and the gradient of the loss w.r.t. the received activations. */
    public record StepResult(double loss, byte[] activationGradient) {}

    private final Gpt2Forward forward;
    private final Optimizer optimizer;
    private final int splitLayer;
    private final double dropout;
    private final long seed;
    private final long stream;

    /** {@code base} holds blocks [splitLayer, L), ln_f and a copy of wte; {@code lora} the adapters of those blocks. */
    public SplitServer(ModelShape shape, ParamSet base, LoraAdapters lora, int splitLayer, Optimizer.Settings optimizer,
                       double dropout, long seed, long stream) {
        this(frozen(shape, base, lora), splitLayer, optimizer, dropout, seed, stream);
    }

    /** Over a prepared forward (e.g. {@link Gpt2Forward#sharingBase}); its base must be frozen. */
    public SplitServer(Gpt2Forward forward, int splitLayer, Optimizer.Settings optimizer, double dropout, long seed, long stream) {
        LoraAdapters lora = forward.lora();
        this.forward = forward;
        this.optimizer = Optimizer.create(lora.params().arrays(), lora.params().manager(), optimizer);
        this.splitLayer = splitLayer;
        this.dropout = dropout;
        this.seed = seed;
        this.stream = stream;
    }

    /** Forward + backward of the server segment on received activations, then the server LoRA update. */
    public StepResult serverStep(byte[] activations, int[][] labels, long step) {
        return run(activations, labels, step, true);
    }

    /** Like {@link #serverStep} without the update (gradients stay accumulated; tests read them). */
    public StepResult serverGradients(byte[] activations, int[][] labels, long step) {
        return run(activations, labels, step, false);
    }

    /** The optimiser's update of the server LoRA from the gradients accumulated by {@link #serverGradients}. */
    public void applyUpdate() {
        try (NDManager s = forward.openStep()) {
            optimizer.step(s);
        }
    }

    private StepResult run(byte[] activations, int[][] labels, long step, boolean update) {
        try (NDManager s = forward.openStep()) {
            NDArray x = decode(s, activations, labels);
            x.setRequiresGradient(true);
            double loss;
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray l = LmLoss.crossEntropy(s, logitsFrom(s, x, new LoraDropout(dropout, seed, stream, step)), labels);
                Autograd.backward(l);
                loss = l.getFloat();
            }
            byte[] grad;
            try (NDArray g = x.getGradient()) {
                grad = ActivationCodec.encode(g);
            }
            if (update) {
                optimizer.step(s);
            }
            return new StepResult(loss, grad);
        }
    }

    /** Summed loss over labelled positions from client activations (no gradients, no dropout). */
    public double lossSum(byte[] activations, int[][] labels) {
        try (NDManager s = forward.openStep()) {
            NDArray l = LmLoss.crossEntropy(s, logitsFrom(s, decode(s, activations, labels), LoraDropout.NONE), labels);
            return (double) l.getFloat() * LmLoss.labelled(labels);
        }
    }

    /** Greedy next token at every position from client activations. */
    public int[][] argmaxNext(byte[] activations, int batch) {
        try (NDManager s = forward.openStep()) {
            NDArray x = ActivationCodec.decode(s, activations, batch, -1, forward.shape().dModel());
            return CausalLm.toRows(logitsFrom(s, x, LoraDropout.NONE).argMax(-1), batch);
        }
    }

    private NDArray logitsFrom(NDManager s, NDArray x, LoraDropout dropout) {
        return forward.head(forward.blocks(s, x, splitLayer, forward.shape().layers(), dropout));
    }

    private NDArray decode(NDManager s, byte[] activations, int[][] labels) {
        return ActivationCodec.decode(s, activations, labels.length, labels[0].length, forward.shape().dModel());
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    private static Gpt2Forward frozen(ModelShape shape, ParamSet base, LoraAdapters lora) {
        base.setRequiresGradient(false);
        return new Gpt2Forward(shape, base, lora);
    }

    @Override
    public void close() {
        // The parameter sets are owned by the caller, who closes them.
    }
}
