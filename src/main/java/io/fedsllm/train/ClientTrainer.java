package io.fedsllm.train;

import io.fedsllm.config.ModelShape;
import io.fedsllm.config.Seeds;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.nn.Gpt2Forward;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.Optimizer;
import io.fedsllm.nn.Proximal;
import io.fedsllm.nn.SplitClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client of split-federated LoRA fine-tuning: the client segment (embeddings, blocks [0, split)) with its own
 * LoRA and optimiser ({@code train.client-optimizer}: AdamW or SGD; built on {@link SplitClient}). Per local
 * iteration: {@link #forward} draws a mini-batch of b examples from the client's shard (stream
 * {@code (seed, "batch", client, round, iteration)}, with replacement) and returns the activations at the cut;
 * {@link #backward} back-propagates the server's activation gradient and takes a clipped optimiser step on the
 * client LoRA. The gradient is what the server sent ({@code train.client-gradient-scale}, see {@link ServerTrainer}).
 * Under {@code fed-strategy = fedprox} the step also carries FedProx's proximal term μ/2·||w − w_global||², w_global
 * being the LoRA of the last {@link #importLora} (or of the last build: creation, reconfigure); its gradient
 * μ (w − w_global) is added before the optimiser's clip. The forward graph stays open between the two calls, so other
 * clients and the server may run in between; a new forward discards an unfinished one.
 *
 * <p>LoRA init: A of (block, target) depends only on (seed, block, target), so every client (and the unsplit
 * model) starts from the same adapters. LoRA dropout masks come from (seed, stream = client id, step = round ·
 * 2^32 + iteration). Optimiser state: kept by {@link #importLora} (AdamW moments, SGD momentum are local to the client),
 * reset by a {@link #reconfigure} that changes the split or the rank (the parameters change shape or owner).
 * Single-threaded; all DJL work of one JVM runs on one thread.
 */
public final class ClientTrainer implements AutoCloseable {
    /**
     * One forward result, sent to the main server.
     *
     * @param activations the client-segment output [b, T, d] ({@link io.fedsllm.nn.ActivationCodec})
     * @param labels      next-token labels [b][T] ({@link io.fedsllm.nn.LmLoss#IGNORE} on prompt and padding)
     * @param tokens      input positions processed, b·T
     */
    public record Forward(byte[] activations, int[][] labels, int tokens) {}

    private final TrainContext ctx;
    private final int clientId;
    private final List<E2eRecord> shard;
    private final List<PromptCompletion> examples;
    private final long seed;
    private int splitLayer;
    private int rank;
    private LoraAdapters lora;
    private SplitClient client;
    private boolean pending;
    /** FedProx: the anchor w_global, per trained array in the optimiser's order; null without the proximal term. */
    private List<float[]> proximalAnchor;

    private ClientTrainer(TrainContext ctx, int clientId, List<E2eRecord> shard, long seed) {
        this.ctx = ctx;
        this.clientId = clientId;
        this.shard = List.copyOf(shard);
        this.examples = E2eTask.examples(this.shard);
        this.seed = seed;
    }

    /**
     * A client holding blocks [0, splitLayer) at LoRA rank {@code rank}, freshly initialised; {@code splitLayer} in
     * [0, L] (L = the whole model on the client, as in federated LoRA).
     */
    public static ClientTrainer create(TrainContext ctx, int clientId, List<E2eRecord> shard, int splitLayer, int rank, long seed) {
        ctx.checkSplit(splitLayer);
        if (shard.isEmpty()) {
            throw new IllegalArgumentException("client " + clientId + " has an empty shard");
        }
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank " + rank + ": expected >= 1");
        }
        ClientTrainer t = new ClientTrainer(ctx, clientId, shard, seed);
        t.build(splitLayer, rank, null);
        return t;
    }

    /** What the trainer carries to the next round (no forward may be pending). */
    public TrainerState state() {
        if (pending) {
            throw new IllegalStateException("client " + clientId + ": a state is taken between steps, not during one");
        }
        Optimizer.State o = client.optimizer().state();
        return new TrainerState(splitLayer, rank, exportLora().toBytes(), 0, o.steps(), o.arrays());
    }

    /** A trainer continuing from {@code state} (as {@link #create}, then the state's LoRA and optimiser). */
    public static ClientTrainer restore(TrainContext ctx, int clientId, List<E2eRecord> shard, long seed, TrainerState state) {
        ClientTrainer t = create(ctx, clientId, shard, state.splitLayer(), state.rank(), seed);
        t.build(state.splitLayer(), state.rank(), LoraBlocks.fromBytes(state.lora()));
        t.client.optimizer().restore(state.optimizer());
        return t;
    }

    /** |D_k|, the shard size (FedAvg weight). */
    public int samples() {
        return shard.size();
    }

    /** Forward of the mini-batch of (round, iteration) through the client segment. */
    public Forward forward(int round, int iteration) {
        ModelShape shape = ctx.shape();
        TokenBatch b = FineTuner.sample(examples, ctx.tokenizer(), ctx.batchSize(), shape.seqLen(),
                Seeds.random(seed, "batch", clientId, round, iteration));
        pending = false;
        byte[] acts = client.clientForward(b.inputs(), dropoutStep(round, iteration));
        pending = true;
        return new Forward(acts, b.labels(), b.tokens());
    }

    /**
     * Back-propagates the activation gradient [b, T, d] of the last forward and updates the client LoRA. A
     * malformed message, a wrong shape or a non-finite value is an IllegalArgumentException; the forward then
     * stays pending (a correct gradient may still come).
     */
    public void backward(byte[] activationGradient) {
        backward(activationGradient, null);
    }

    /** {@link #backward} that also returns the gradients it applied, by parameter name (tests). */
    Map<String, float[]> backwardReturningGradients(byte[] activationGradient) {
        Map<String, float[]> out = new LinkedHashMap<>();
        backward(activationGradient, out);
        return out;
    }

    private void backward(byte[] activationGradient, Map<String, float[]> gradients) {
        if (!pending) {
            throw new IllegalStateException("client " + clientId + ": backward without a pending forward");
        }
        float[] values = io.fedsllm.nn.ActivationCodec.values(activationGradient); // malformed bytes throw here
        int bad = io.fedsllm.nn.ActivationCodec.firstNonFinite(values);
        if (bad >= 0) {
            throw new IllegalArgumentException("client " + clientId + ": activation gradient value " + values[bad]
                    + " at flat index " + bad + " is not finite");
        }
        client.backwardOnly(activationGradient); // a wrong shape throws here and the forward stays pending
        if (gradients != null) {
            List<String> names = new ArrayList<>(lora.params().names());
            List<float[]> g = client.optimizer().gradients();
            for (int i = 0; i < names.size(); i++) {
                gradients.put(names.get(i), g.get(i));
            }
        }
        double mu = ctx.optimization().proximalMu();
        client.applyUpdate(mu > 0 && proximalAnchor != null ? new Proximal(mu, proximalAnchor) : null);
        pending = false;
    }

    /**
     * Drops the pending forward without a backward (the main server left this iteration out, deadline policy):
     * its graph and native arrays are released, the LoRA and the optimiser state stay as they are, and
     * {@link #importLora} is allowed again. No-op without a pending forward.
     */
    public void discardPending() {
        if (pending) {
            client.close(); // SplitClient.close releases only the pending step; the segment stays usable
            pending = false;
        }
    }

    /** The client LoRA, blocks [0, split) (those that carry adapters). */
    public LoraBlocks exportLora() {
        return LoraBlocks.of(lora);
    }

    /** Replaces the client LoRA values with the global copy (same blocks and rank); not while a forward is pending. */
    public void importLora(LoraBlocks global) {
        if (pending) {
            throw new IllegalStateException("client " + clientId + ": importLora while a forward awaits its gradient");
        }
        global.copyInto(lora, 0, splitLayer);
        anchorProximalTerm();
    }

    /** FedProx: the current LoRA becomes the anchor of the proximal term (no-op without the term). */
    private void anchorProximalTerm() {
        proximalAnchor = ctx.optimization().proximalMu() > 0 ? client.optimizer().params().stream().map(a -> a.toFloatArray()).toList()
                : null;
    }

    /**
     * Moves the split to {@code splitLayer} and resizes the LoRA to {@code rank} ({@link LoraBlocks#resized}: exact
     * for a rank increase, truncated SVD for a decrease). When the split moves up, {@code globalForNewBlocks} must
     * hold exactly the adapted blocks [old split, new split) (the server's, via the fed server), at any rank; when
     * it moves down the blocks [new, old) leave (the server adopts them from the fed copy) and
     * {@code globalForNewBlocks} must be null or empty. Optimiser state is reset; a pending forward is discarded.
     * Nothing changes (not even the optimiser) when split and rank stay and no block arrives.
     */
    public void reconfigure(int splitLayer, int rank, LoraBlocks globalForNewBlocks) {
        ctx.checkSplit(splitLayer);
        boolean arriving = globalForNewBlocks != null && !globalForNewBlocks.blocks().isEmpty();
        if (splitLayer == this.splitLayer && rank == this.rank && !arriving) {
            return;
        }
        LoraBlocks kept = exportLora().select(0, Math.min(this.splitLayer, splitLayer)).resized(rank, seed);
        LoraBlocks next;
        if (splitLayer > this.splitLayer) {
            LoraBlocks incoming = globalForNewBlocks == null ? LoraBlocks.empty(rank) : globalForNewBlocks;
            incoming.checkHoldsExactly(ctx.shape(), ctx.lora(), this.splitLayer, splitLayer, "blocks arriving at client " + clientId);
            next = kept.merge(incoming.resized(rank, seed));
        } else {
            if (arriving) {
                throw new IllegalArgumentException("client " + clientId + ": split moves from " + this.splitLayer + " to " + splitLayer
                        + " (blocks leave the client), yet blocks " + globalForNewBlocks.blockIndices() + " arrive");
            }
            next = kept;
        }
        build(splitLayer, rank, next);
    }

    /** The current split layer ℓ. */
    public int splitLayer() {
        return splitLayer;
    }

    /** The current LoRA rank r. */
    public int rank() {
        return rank;
    }

    /** Builds the segment and its adapters ({@code values} null = fresh init), replacing the current ones. */
    private void build(int newSplit, int newRank, LoraBlocks values) {
        if (values != null && values.rank() != newRank) {
            throw new IllegalArgumentException("LoRA values of rank " + values.rank() + " for a segment of rank " + newRank);
        }
        LoraAdapters newLora = values == null
                ? LoraAdapters.init(ctx.shape(), ctx.lora(), newRank, seed, 0, newSplit, ctx.newManager())
                : values.toAdapters(ctx.shape(), ctx.lora(), 0, newSplit, ctx.newManager());
        close();
        lora = newLora;
        client = new SplitClient(Gpt2Forward.sharingBase(ctx.shape(), ctx.base(), lora), newSplit, ctx.clientOptimizer(),
                ctx.lora().dropout(), seed, clientId);
        splitLayer = newSplit;
        rank = newRank;
        pending = false;
        anchorProximalTerm();
    }

    /** A step index unique per (round, iteration) for the dropout streams. */
    private static long dropoutStep(int round, int iteration) {
        return ((long) round << 32) | (iteration & 0xFFFFFFFFL);
    }

    /** The manager every tensor of this trainer descends from (tests check its arrays' device). */
    ai.djl.ndarray.NDManager manager() {
        return lora.params().manager();
    }

    /** Native arrays held by this trainer's managers, step managers included (tests check it stays flat). */
    int nativeArrays() {
        return lora.params().manager().getManagedArrays().size();
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            lora.close(); // and the steps: sub-managers of the adapters' manager
            client = null;
        }
    }
}
