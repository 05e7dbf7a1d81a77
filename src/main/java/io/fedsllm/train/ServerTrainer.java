package io.fedsllm.train;

import ai.djl.ndarray.types.Shape;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.OptimizationSettings;
import io.fedsllm.nn.ActivationCodec;
import io.fedsllm.nn.Gpt2Forward;
import io.fedsllm.nn.LmLoss;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.Optimizer;
import io.fedsllm.nn.SplitServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The main server of split-federated LoRA fine-tuning: blocks [split, L), the final LayerNorm and the tied LM
 * head with the server LoRA and its optimiser ({@code train.server-optimizer}: AdamW or SGD; built on
 * {@link SplitServer}). One {@link #step} is one server iteration over all clients' activations of a local
 * iteration, concatenated along the batch in the given order: the loss is the mean over every labelled token of the
 * concatenated batch, the server LoRA takes one clipped optimiser step, and each client gets the slice of the
 * activation gradient that belongs to its rows.
 *
 * <p>Gradient scale ({@code train.client-gradient-scale}): client k's slice of the gradient of the mean over all N
 * labelled tokens is n_k / N times the gradient of its own mean loss (n_k its labelled tokens; about 1/K).
 * {@code total-loss} sends the slice as it is (the clients' gradients then add up to the gradient of the server's
 * loss); {@code own-loss} multiplies it by N / n_k, so the client receives the gradient of its own mean loss (a slice
 * without labelled tokens is zero either way).
 *
 * <p>Clients' batches may have different lengths T_k (each is padded to its own longest row): the server pads
 * every batch with zero activations to the longest T and labels the padding {@link LmLoss#IGNORE}. Causal
 * attention never lets a real position see a later (padding) one and the padding carries no loss, so the step
 * equals the unsplit model's on the same examples, and the returned slices drop the padding again.
 *
 * <p>LoRA dropout masks come from (seed, stream −1, step = the server's step count). Optimiser state is reset by a
 * {@link #reconfigure} that changes the split or the rank. Single-threaded.
 */
public final class ServerTrainer implements AutoCloseable {
    /** The server stream of the dropout masks (clients use their ids, ≥ 0). */
    private static final long SERVER_STREAM = -1;

    /**
     * One server iteration.
     *
     * @param loss                mean loss per labelled token of the concatenated batch (nats)
     * @param activationGradients per client, in the order given, the gradient w.r.t. its activations [b_k, T_k, d]
     */
    public record Step(double loss, List<byte[]> activationGradients) {}

    private final TrainContext ctx;
    private final long seed;
    private int splitLayer;
    private int rank;
    private LoraAdapters lora;
    private SplitServer server;
    private long steps;

    private ServerTrainer(TrainContext ctx, long seed) {
        this.ctx = ctx;
        this.seed = seed;
    }

    /** A server holding blocks [splitLayer, L) at LoRA rank {@code rank}, freshly initialised; split in [0, L]. */
    public static ServerTrainer create(TrainContext ctx, int splitLayer, int rank, long seed) {
        ctx.checkSplit(splitLayer);
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank " + rank + ": expected >= 1");
        }
        ServerTrainer t = new ServerTrainer(ctx, seed);
        t.build(splitLayer, rank, null);
        return t;
    }

    /** What the trainer carries to the next round: split, rank, LoRA, optimiser state and its step count. */
    public TrainerState state() {
        Optimizer.State o = server.optimizer().state();
        return new TrainerState(splitLayer, rank, serverLora().toBytes(), steps, o.steps(), o.arrays());
    }

    /** A trainer continuing from {@code state}. */
    public static ServerTrainer restore(TrainContext ctx, long seed, TrainerState state) {
        ServerTrainer t = create(ctx, state.splitLayer(), state.rank(), seed, LoraBlocks.fromBytes(state.lora()));
        t.server.optimizer().restore(state.optimizer());
        t.steps = state.steps();
        return t;
    }

    /** A server whose LoRA starts from {@code initial} (blocks [splitLayer, L) at rank {@code rank}) (tests). */
    static ServerTrainer create(TrainContext ctx, int splitLayer, int rank, long seed, LoraBlocks initial) {
        ctx.checkSplit(splitLayer);
        ServerTrainer t = new ServerTrainer(ctx, seed);
        t.build(splitLayer, rank, initial);
        return t;
    }

    /**
     * One server iteration. Each client's activations must be an activation message of shape [b_k, T_k, d] with
     * labels [b_k][T_k] (T_k ≤ context, labels in [0, vocab) or IGNORE) and finite values; anything else is an
     * IllegalArgumentException saying which client and what is wrong, and nothing is updated.
     */
    public Step step(List<byte[]> activations, List<int[][]> labels) {
        return step(activations, labels, null);
    }

    /** {@link #step} that also returns the server LoRA gradients it applied, by parameter name (tests). */
    Step stepReturningGradients(List<byte[]> activations, List<int[][]> labels, Map<String, float[]> gradients) {
        return step(activations, labels, gradients);
    }

    private Step step(List<byte[]> activations, List<int[][]> labels, Map<String, float[]> gradients) {
        int k = activations.size();
        if (k == 0 || labels.size() != k) {
            throw new IllegalArgumentException("server step needs activations and labels of the same clients, got " + k
                    + " activations and " + labels.size() + " label sets (at least one)");
        }
        ModelShape shape = ctx.shape();
        int d = shape.dModel();
        int[] rows = new int[k];
        int[] lengths = new int[k];
        List<float[]> values = new ArrayList<>();
        int totalRows = 0;
        int maxT = 0;
        for (int c = 0; c < k; c++) {
            int[][] lab = labels.get(c);
            checkLabels(c, lab, shape);
            rows[c] = lab.length;
            lengths[c] = lab[0].length;
            byte[] bytes = activations.get(c);
            if (bytes == null) {
                throw new IllegalArgumentException("client #" + c + ": no activations");
            }
            Shape got;
            try {
                got = ActivationCodec.shapeOf(bytes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("client #" + c + ": " + e.getMessage(), e);
            }
            long[] want = {rows[c], lengths[c], d};
            if (!Arrays.equals(got.getShape(), want)) {
                throw new IllegalArgumentException("client #" + c + ": activations of shape " + Arrays.toString(got.getShape())
                        + ", expected " + Arrays.toString(want) + " (labels [" + rows[c] + "][" + lengths[c] + "], d-model " + d + ")");
            }
            float[] v = ActivationCodec.values(bytes);
            int bad = ActivationCodec.firstNonFinite(v);
            if (bad >= 0) {
                throw new IllegalArgumentException("client #" + c + ": activation value " + v[bad] + " at flat index " + bad
                        + " is not finite");
            }
            values.add(v);
            totalRows += rows[c];
            maxT = Math.max(maxT, lengths[c]);
        }
        float[] all = new float[totalRows * maxT * d];
        int[][] allLabels = new int[totalRows][];
        int r0 = 0;
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < rows[c]; i++) {
                System.arraycopy(values.get(c), i * lengths[c] * d, all, (r0 + i) * maxT * d, lengths[c] * d);
                allLabels[r0 + i] = Arrays.copyOf(labels.get(c)[i], maxT);
                Arrays.fill(allLabels[r0 + i], lengths[c], maxT, LmLoss.IGNORE);
            }
            r0 += rows[c];
        }
        if (LmLoss.labelled(allLabels) == 0) {
            throw new IllegalArgumentException("server step: no labelled token in the " + totalRows + " sequences of " + k + " clients");
        }
        SplitServer.StepResult r = server.serverGradients(ActivationCodec.encode(all, totalRows, maxT, d), allLabels, steps);
        if (gradients != null) {
            List<String> names = new ArrayList<>(lora.params().names());
            List<float[]> g = server.optimizer().gradients();
            for (int i = 0; i < names.size(); i++) {
                gradients.put(names.get(i), g.get(i));
            }
        }
        server.applyUpdate();
        steps++;
        float[] grad = ActivationCodec.values(r.activationGradient());
        List<byte[]> slices = new ArrayList<>();
        boolean ownLoss = ctx.optimization().clientGradientScale() == OptimizationSettings.GradientScale.OWN_LOSS;
        long labelledAll = LmLoss.labelled(allLabels);
        r0 = 0;
        for (int c = 0; c < k; c++) {
            float[] slice = new float[rows[c] * lengths[c] * d];
            for (int i = 0; i < rows[c]; i++) {
                System.arraycopy(grad, (r0 + i) * maxT * d, slice, i * lengths[c] * d, lengths[c] * d);
            }
            long labelled = LmLoss.labelled(labels.get(c));
            if (ownLoss && labelled > 0) {
                float scale = (float) ((double) labelledAll / labelled);
                for (int i = 0; i < slice.length; i++) {
                    slice[i] *= scale;
                }
            }
            slices.add(ActivationCodec.encode(slice, rows[c], lengths[c], d));
            r0 += rows[c];
        }
        return new Step(r.loss(), slices);
    }

    private static void checkLabels(int c, int[][] lab, ModelShape shape) {
        if (lab == null || lab.length == 0 || lab[0] == null || lab[0].length == 0) {
            throw new IllegalArgumentException("client #" + c + ": empty labels");
        }
        int t = lab[0].length;
        if (t > shape.context()) {
            throw new IllegalArgumentException("client #" + c + ": sequence length " + t + " exceeds the context " + shape.context());
        }
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] == null || lab[i].length != t) {
                throw new IllegalArgumentException("client #" + c + ": label row " + i + " has length "
                        + (lab[i] == null ? "null" : lab[i].length) + ", row 0 has " + t);
            }
            for (int j = 0; j < t; j++) {
                int l = lab[i][j];
                if (l != LmLoss.IGNORE && (l < 0 || l >= shape.vocab())) {
                    throw new IllegalArgumentException("client #" + c + ": label " + l + " at [" + i + ", " + j + "] outside [0, "
                            + shape.vocab() + ") and not " + LmLoss.IGNORE);
                }
            }
        }
    }

    /** The server LoRA of blocks [from, to) ⊆ [split, L), e.g. the blocks that leave when the split moves up. */
    public LoraBlocks exportBlocks(int fromBlockInclusive, int toBlockExclusive) {
        if (fromBlockInclusive < splitLayer || toBlockExclusive > ctx.shape().layers() || fromBlockInclusive > toBlockExclusive) {
            throw new IllegalArgumentException("blocks [" + fromBlockInclusive + ", " + toBlockExclusive + ") are not within the server's ["
                    + splitLayer + ", " + ctx.shape().layers() + ")");
        }
        return serverLora().select(fromBlockInclusive, toBlockExclusive);
    }

    /**
     * Moves the split to {@code splitLayer} and resizes the LoRA to {@code rank} (as {@link ClientTrainer#reconfigure}).
     * When the split moves down, {@code adoptedBlocks} must hold exactly the adapted blocks [new split, old split)
     * (the fed server's global copy), at any rank; when it moves up the blocks [old, new) are dropped (export them
     * first with {@link #exportBlocks}) and {@code adoptedBlocks} must be null or empty. Optimiser state is reset.
     * Nothing changes when split and rank stay and no block arrives.
     */
    public void reconfigure(int splitLayer, int rank, LoraBlocks adoptedBlocks) {
        ctx.checkSplit(splitLayer);
        boolean arriving = adoptedBlocks != null && !adoptedBlocks.blocks().isEmpty();
        if (splitLayer == this.splitLayer && rank == this.rank && !arriving) {
            return;
        }
        int layers = ctx.shape().layers();
        LoraBlocks kept = serverLora().select(Math.max(this.splitLayer, splitLayer), layers).resized(rank, seed);
        LoraBlocks next;
        if (splitLayer < this.splitLayer) {
            LoraBlocks incoming = adoptedBlocks == null ? LoraBlocks.empty(rank) : adoptedBlocks;
            incoming.checkHoldsExactly(ctx.shape(), ctx.lora(), splitLayer, this.splitLayer, "blocks adopted by the server");
            next = kept.merge(incoming.resized(rank, seed));
        } else {
            if (arriving) {
                throw new IllegalArgumentException("server: split moves from " + this.splitLayer + " to " + splitLayer
                        + " (blocks leave the server), yet blocks " + adoptedBlocks.blockIndices() + " arrive");
            }
            next = kept;
        }
        build(splitLayer, rank, next);
    }

    /** The server LoRA, blocks [split, L) (those that carry adapters). */
    public LoraBlocks serverLora() {
        return LoraBlocks.of(lora);
    }

    public int splitLayer() {
        return splitLayer;
    }

    public int rank() {
        return rank;
    }

    private void build(int newSplit, int newRank, LoraBlocks values) {
        int layers = ctx.shape().layers();
        if (values != null && values.rank() != newRank) {
            throw new IllegalArgumentException("LoRA values of rank " + values.rank() + " for a segment of rank " + newRank);
        }
        LoraAdapters newLora = values == null
                ? LoraAdapters.init(ctx.shape(), ctx.lora(), newRank, seed, newSplit, layers, ctx.newManager())
                : values.toAdapters(ctx.shape(), ctx.lora(), newSplit, layers, ctx.newManager());
        close();
        lora = newLora;
        server = new SplitServer(Gpt2Forward.sharingBase(ctx.shape(), ctx.base(), lora), newSplit, ctx.serverOptimizer(),
                ctx.lora().dropout(), seed, SERVER_STREAM);
        splitLayer = newSplit;
        rank = newRank;
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
        if (server != null) {
            server.close();
            lora.close(); // and the steps: sub-managers of the adapters' manager
            server = null;
        }
    }
}
