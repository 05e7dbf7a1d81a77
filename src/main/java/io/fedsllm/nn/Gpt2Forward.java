package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.fedsllm.config.ModelShape;
import java.util.Arrays;

/**
 * The GPT-2 forward pass over (part of) a model: token + position embeddings, pre-LayerNorm blocks (causal
 * multi-head attention with the fused QKV projection {@code c_attn} and output projection {@code c_proj}, GELU
 * MLP {@code c_fc}/{@code c_proj}), final LayerNorm and the LM head tied to the token embedding. A segment holds
 * only the weights it needs; asking for another block fails naming the missing parameter.
 *
 * <p>Arrays created by the forward belong to the step manager from {@link #openStep()}: the segment's weights are
 * temporarily attached to it, so results of ops on weights land there too and the model manager stays flat.
 */
public final class Gpt2Forward {
    /** GPT-2 LayerNorm epsilon (HF layer_norm_epsilon). */
    private static final float LN_EPS = 1e-5f;

    private final ModelShape shape;
    private final ParamSet base;
    private final LoraAdapters lora;
    private final boolean sharedBase;

    /** A segment that owns {@code base} (its arrays are attached to each step); {@code lora} may be null. */
    public Gpt2Forward(ModelShape shape, ParamSet base, LoraAdapters lora) {
        this(shape, base, lora, false);
    }

    private Gpt2Forward(ModelShape shape, ParamSet base, LoraAdapters lora, boolean sharedBase) {
        this.shape = shape;
        this.base = base;
        this.lora = lora;
        this.sharedBase = sharedBase;
    }

    /**
     * A segment over frozen base weights shared with other segments of the JVM (no copy). Its steps never attach
     * the base arrays: several segments' steps may be open at once (a split client keeps its step until the
     * gradient arrives), and DJL's temporary attachment of one array to two open managers does not return it
     * where it belongs. The few results whose left operand is a weight (embedding lookups, the tied head's
     * transpose) are moved into the step instead, so the shared manager stays flat. Steps are sub-managers of the
     * adapters' manager; the base must never be trained through this segment.
     */
    public static Gpt2Forward sharingBase(ModelShape shape, ParamSet base, LoraAdapters lora) {
        if (lora == null) {
            throw new IllegalArgumentException("a segment sharing its base needs its own adapters (their manager holds the steps)");
        }
        return new Gpt2Forward(shape, base, lora, true);
    }

    public ModelShape shape() {
        return shape;
    }

    public ParamSet base() {
        return base;
    }

    public LoraAdapters lora() {
        return lora;
    }

    /**
     * A manager for one step with the segment's own weights temporarily attached to it (results of ops on them land
     * there and close with the step): a sub-manager of the model manager, or of the adapters' manager when the
     * base is shared (see {@link #sharingBase}).
     */
    public NDManager openStep() {
        if (sharedBase) {
            NDManager step = lora.params().manager().newSubManager();
            lora.params().arrays().forEach(a -> a.tempAttach(step));
            return step;
        }
        NDManager step = base.manager().newSubManager();
        base.arrays().forEach(a -> a.tempAttach(step));
        if (lora != null) {
            lora.params().arrays().forEach(a -> a.tempAttach(step));
        }
        return step;
    }

    /** Token + position embeddings of a [B][T] token batch → [B, T, d]. */
    public NDArray embed(NDManager step, int[][] tokens) {
        int b = tokens.length;
        int t = b == 0 ? 0 : tokens[0].length;
        if (b == 0 || t == 0 || t > shape.context()) {
            throw new IllegalArgumentException("token batch [" + b + ", " + t + "]: expected B >= 1 and 1 <= T <= context "
                    + shape.context());
        }
        long[] ids = new long[b * t];
        for (int i = 0; i < b; i++) {
            if (tokens[i].length != t) {
                throw new IllegalArgumentException("token batch row " + i + " has length " + tokens[i].length + ", row 0 has " + t);
            }
            for (int j = 0; j < t; j++) {
                int id = tokens[i][j];
                if (id < 0 || id >= shape.vocab()) {
                    throw new IllegalArgumentException("token id " + id + " at [" + i + ", " + j + "] outside vocab [0, " + shape.vocab() + ")");
                }
                ids[i * t + j] = id;
            }
        }
        int d = shape.dModel();
        NDArray idx = step.create(ids, new Shape(b * t, 1)).broadcast(new Shape(b * t, d));
        NDArray tok = inStep(step, base.get("wte.weight").gather(idx, 0)).reshape(b, t, d);
        NDArray pos = inStep(step, base.get("wpe.weight").get(new NDIndex("0:" + t)));
        return tok.add(pos);
    }

    /** Blocks [from, to) applied to hidden states x [B, T, d]. */
    public NDArray blocks(NDManager step, NDArray x, int from, int to, LoraDropout dropout) {
        checkHidden(x);
        long t = x.getShape().get(1);
        NDArray causal = causalMask(step, (int) t);
        for (int i = from; i < to; i++) {
            x = block(step, x, i, causal, dropout);
        }
        return x;
    }

    /** Final LayerNorm and the tied LM head: [B, T, d] → logits [B, T, vocab]. */
    public NDArray head(NDArray x) {
        checkHidden(x);
        NDArray h = layerNorm(x, "ln_f");
        return h.matMul(inStep(x.getManager(), base.get("wte.weight").transpose()));
    }

    /** The whole model: tokens → logits (this segment must hold every weight). */
    public NDArray logits(NDManager step, int[][] tokens, LoraDropout dropout) {
        return head(blocks(step, embed(step, tokens), 0, shape.layers(), dropout));
    }

    private NDArray block(NDManager step, NDArray x, int i, NDArray causal, LoraDropout dropout) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        int d = shape.dModel();
        int heads = shape.heads();
        int hd = shape.headDim();

        NDArray h = layerNorm(x, "h." + i + ".ln_1");
        // A fused adapter on the whole c_attn (PEFT's layout, LoraAdapters.FUSED_QKV) adds to q, k, v at once.
        NDArray qkv = adapt(step, h.matMul(w(i, "attn.c_attn.weight")).add(w(i, "attn.c_attn.bias")), h, i,
                LoraAdapters.FUSED_QKV, dropout);
        NDList parts = qkv.split(3, 2);
        NDArray q = adapt(step, parts.get(0), h, i, "q", dropout);
        NDArray k = adapt(step, parts.get(1), h, i, "k", dropout);
        NDArray v = adapt(step, parts.get(2), h, i, "v", dropout);
        q = q.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
        NDArray kT = k.reshape(b, t, heads, hd).transpose(0, 2, 3, 1);
        v = v.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(kT);
        NDArray att = scores.mul(scalar(scores, (float) (1.0 / Math.sqrt(hd)))).add(causal).softmax(-1);
        NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, d);
        NDArray o = adapt(step, y.matMul(w(i, "attn.c_proj.weight")).add(w(i, "attn.c_proj.bias")), y, i, "o", dropout);
        x = x.add(o);

        NDArray h2 = layerNorm(x, "h." + i + ".ln_2");
        NDArray f = adapt(step, h2.matMul(w(i, "mlp.c_fc.weight")).add(w(i, "mlp.c_fc.bias")), h2, i, "fc", dropout);
        f = geluNew(f);
        NDArray m = adapt(step, f.matMul(w(i, "mlp.c_proj.weight")).add(w(i, "mlp.c_proj.bias")), f, i, "proj", dropout);
        return x.add(m);
    }

    /** Moves a result whose left operand is a shared weight into the step (it would land in the shared manager). */
    private NDArray inStep(NDManager step, NDArray x) {
        if (sharedBase) {
            x.attach(step);
        }
        return x;
    }

    /** Adds the LoRA term of (block, target), whose input is {@code in}, to the projection output {@code out}. */
    private NDArray adapt(NDManager step, NDArray out, NDArray in, int block, String target, LoraDropout dropout) {
        if (lora == null || !lora.adapts(block, target)) {
            return out;
        }
        NDArray mask = dropout.mask(step, in.getShape(), block, target);
        return out.add(lora.delta(in, block, target, mask));
    }

    private NDArray w(int block, String rest) {
        return base.get("h." + block + "." + rest);
    }

    private NDArray layerNorm(NDArray x, String prefix) {
        return x.getNDArrayInternal()
                .layerNorm(x, new Shape(shape.dModel()), base.get(prefix + ".weight"), base.get(prefix + ".bias"), LN_EPS)
                .singletonOrThrow();
    }

    /** GPT-2's tanh approximation of GELU ("gelu_new"): 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))). */
    static NDArray geluNew(NDArray x) {
        NDArray cube = x.pow(scalar(x, 3));
        NDArray inner = x.add(cube.mul(scalar(x, 0.044715f))).mul(scalar(x, (float) Math.sqrt(2.0 / Math.PI)));
        return x.mul(scalar(x, 0.5f)).mul(inner.tanh().add(scalar(x, 1f)));
    }

    /**
     * A scalar operand for an op recorded in an autograd graph, owned by the manager of {@code like} (the step).
     * DJL's {@code mul(Number)}/{@code pow(Number)} create the scalar from a Java direct buffer (PyTorch aliases it,
     * from_blob) and close it at once, yet the graph saves that operand for the backward: once the buffer is
     * garbage-collected the backward reads freed memory. A split client's graph waits for the server between
     * forward and backward, and a GC there gave NaN LoRA weights. Keeping the scalar in the step manager keeps its
     * memory alive until the step closes; the values are the same as with {@code mul(Number)}.
     */
    static NDArray scalar(NDArray like, Number value) {
        return like.getManager().create(value);
    }

    /** Additive causal mask [T, T]: 0 on and below the diagonal, -inf above (a token sees only its past). */
    private static NDArray causalMask(NDManager step, int t) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return step.create(m, new Shape(t, t));
    }

    private void checkHidden(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != shape.dModel() || s.get(1) > shape.context() || s.get(1) < 1) {
            throw new IllegalArgumentException("hidden states of shape " + s + ": expected [B, T, " + shape.dModel()
                    + "] with 1 <= T <= " + shape.context() + " for model '" + shape.name() + "'"
                    + (s.dimension() == 3 ? "" : " (rank " + s.dimension() + ", " + Arrays.toString(s.getShape()) + ")"));
        }
    }
}
