package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ModelShape;

/**
 * The client segment of a split at block boundary ℓ: embeddings, blocks [0, ℓ) and their LoRA adapters, trained by
 * the {@link Optimizer} its settings choose.
 * {@link #clientForward} keeps its graph until {@link #clientBackward} receives the gradient of the activations,
 * which is back-propagated with PyTorch's backward(tensor, upstream gradient) ({@link Autograd}): nothing global is
 * held between the two calls, so other parties (the server, other clients) can run their steps in between or at the
 * same time on other threads. One instance is used by one thread at a time.
 */
public final class SplitClient implements AutoCloseable {
    private final Gpt2Forward forward;
    private final Optimizer optimizer;
    private final int splitLayer;
    private final double dropout;
    private final long seed;
    private final long stream;
    private NDManager pending;
    private NDArray activations;

    /** {@code base} holds wte, wpe and blocks [0, splitLayer); {@code lora} the adapters of those blocks. */
    public SplitClient(ModelShape shape, ParamSet base, LoraAdapters lora, int splitLayer, Optimizer.Settings optimizer,
                       double dropout, long seed, long stream) {
        this(frozen(shape, base, lora), splitLayer, optimizer, dropout, seed, stream);
    }

    /** Over a prepared forward (e.g. {@link Gpt2Forward#sharingBase}); its base must be frozen. */
    public SplitClient(Gpt2Forward forward, int splitLayer, Optimizer.Settings optimizer, double dropout, long seed, long stream) {
        LoraAdapters lora = forward.lora();
        this.forward = forward;
        this.optimizer = Optimizer.create(lora.params().arrays(), lora.params().manager(), optimizer);
        this.splitLayer = splitLayer;
        this.dropout = dropout;
        this.seed = seed;
        this.stream = stream;
    }

    /** Forward through the client segment; returns the activations at the cut as bytes (see {@link ActivationCodec}). */
    public byte[] clientForward(int[][] tokens, long step) {
        discardPending();
        pending = forward.openStep();
        try (Autograd.Scope recording = Autograd.recording()) {
            activations = forward.blocks(pending, forward.embed(pending, tokens), 0, splitLayer,
                    new LoraDropout(dropout, seed, stream, step));
        }
        return ActivationCodec.encode(activations);
    }

    /** Back-propagates the activation gradient from the server and updates the client LoRA. */
    public void clientBackward(byte[] activationGradient) {
        backwardOnly(activationGradient);
        applyUpdate();
    }

    /** Accumulates the LoRA gradients from the activation gradient without updating (tests read them). */
    public void backwardOnly(byte[] activationGradient) {
        if (activations == null) {
            throw new IllegalStateException("clientBackward without a pending clientForward");
        }
        long[] s = activations.getShape().getShape();
        NDArray grad = ActivationCodec.decode(pending, activationGradient, s);
        if (!optimizer.params().isEmpty()) { // with last-blocks the client may hold no adapter: nothing to train
            Autograd.backward(activations, grad);
        }
    }

    /** The optimiser's update from the accumulated gradients; ends the step. */
    public void applyUpdate() {
        applyUpdate(null);
    }

    /**
     * The optimiser's update from the accumulated gradients plus, when {@code proximal} is not null, the gradient
     * of its proximal term (FedProx); ends the step.
     */
    public void applyUpdate(Proximal proximal) {
        if (activations == null) {
            throw new IllegalStateException("applyUpdate without a pending clientForward");
        }
        if (proximal != null) {
            proximal.addGradients(optimizer.params(), pending);
        }
        optimizer.step(pending);
        discardPending();
    }

    /** Client-segment activations without gradients or dropout (evaluation and decoding). */
    public byte[] inferenceForward(int[][] tokens) {
        try (NDManager s = forward.openStep()) {
            return ActivationCodec.encode(forward.blocks(s, forward.embed(s, tokens), 0, splitLayer, LoraDropout.NONE));
        }
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Gpt2Forward forward() {
        return forward;
    }

    private void discardPending() {
        if (pending != null) {
            pending.close();
            pending = null;
            activations = null;
        }
    }

    private static Gpt2Forward frozen(ModelShape shape, ParamSet base, LoraAdapters lora) {
        base.setRequiresGradient(false);
        return new Gpt2Forward(shape, base, lora);
    }

    @Override
    public void close() {
        discardPending();
    }
}
