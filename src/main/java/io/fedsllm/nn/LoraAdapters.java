package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.UserError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA adapters (Hu et al. 2021) on the projections named by {@link LoraSettings#targets()}: a projection
 * {@code y = x W} becomes {@code y = x W + (alpha/r) · dropout(x) A B} with A (in × r) and B (r × out). A is
 * Kaiming-uniform (bound 1/sqrt(in), as PyTorch's Linear default), B is zero, so an untrained adapter leaves the
 * output unchanged. Names: {@code h.{i}.{target}.lora_A} / {@code lora_B}.
 */
public final class LoraAdapters implements AutoCloseable {
    /** One adapted projection. */
    public record Site(int block, String target, int in, int out) {
        public String nameA() {
            return "h." + block + "." + target + ".lora_A";
        }

        public String nameB() {
            return "h." + block + "." + target + ".lora_B";
        }
    }

    private final List<Site> sites;
    private final ParamSet params;
    private final int rank;
    private final float scale;

    private LoraAdapters(List<Site> sites, ParamSet params, int rank, double alpha) {
        this(sites, params, rank, (float) (alpha / rank));
    }

    private LoraAdapters(List<Site> sites, ParamSet params, int rank, float scale) {
        this.sites = List.copyOf(sites);
        this.params = params;
        this.rank = rank;
        this.scale = scale;
    }

    /** The target of a fused adapter on the whole {@code c_attn} (q, k and v at once; PEFT adapts GPT-2 so). */
    public static final String FUSED_QKV = "c_attn";

    /**
     * Frozen adapters with the given factors as they are, for inference: per site A (in × r_s) and B (r_s × out)
     * named as {@link Site} (the rank r_s may differ per site, e.g. a fused {@link #FUSED_QKV} adapter of rank n·r
     * next to rank-r ones), all scaled by {@code scale}; {@code rank} is the nominal rank {@link #rank} reports.
     * Every site needs both factors with matching sizes (IllegalArgumentException otherwise, manager closed).
     */
    public static LoraAdapters ofFactors(List<Site> sites, Map<String, SafeTensors.Tensor> factors, int rank, double scale,
                                         NDManager manager) {
        ParamSet p = new ParamSet(manager);
        for (Site site : sites) {
            SafeTensors.Tensor a = factors.get(site.nameA());
            SafeTensors.Tensor b = factors.get(site.nameB());
            if (a == null || b == null || a.shape().length != 2 || b.shape().length != 2 || a.shape()[0] != site.in()
                    || b.shape()[1] != site.out() || a.shape()[1] != b.shape()[0]) {
                manager.close();
                throw new IllegalArgumentException("adapter of " + site + ": expected " + site.nameA() + " [" + site.in() + ", r] and "
                        + site.nameB() + " [r, " + site.out() + "], got " + (a == null ? "none" : Arrays.toString(a.shape())) + " and "
                        + (b == null ? "none" : Arrays.toString(b.shape())));
            }
            p.put(site.nameA(), a.data(), new Shape(a.shape()));
            p.put(site.nameB(), b.data(), new Shape(b.shape()));
        }
        if (factors.size() != p.names().size()) {
            manager.close();
            throw new IllegalArgumentException(factors.size() + " adapter tensors for " + sites.size() + " sites (" + p.names().size()
                    + " tensors)");
        }
        return new LoraAdapters(sites, p, rank, (float) scale);
    }

    /**
     * The adapted projections of blocks [fromBlock, toBlock) under the settings: those of the blocks
     * {@link LoraSettings#adaptedBlocks} names (lora.blocks, lora.last-blocks; a ConfigError when beyond the model).
     */
    public static List<Site> sites(ModelShape s, LoraSettings lora, int fromBlock, int toBlock) {
        LoraSettings.Blocks adapted = lora.adaptedBlocks(s);
        List<Site> out = new ArrayList<>();
        for (int i = Math.max(adapted.from(), fromBlock); i < Math.min(adapted.to(), toBlock); i++) {
            for (String t : LoraSettings.ALLOWED_TARGETS) {
                if (lora.targets().contains(t)) {
                    int in = t.equals("proj") ? s.dFf() : s.dModel();
                    int out2 = t.equals("fc") ? s.dFf() : s.dModel();
                    out.add(new Site(i, t, in, out2));
                }
            }
        }
        return out;
    }

    /** Fresh adapters for blocks [fromBlock, toBlock); A of a site depends only on (seed, block, target). */
    public static LoraAdapters init(ModelShape s, LoraSettings lora, int rank, long seed, int fromBlock, int toBlock,
                                    NDManager manager) {
        List<Site> sites = sites(s, lora, fromBlock, toBlock);
        ParamSet p = new ParamSet(manager);
        for (Site site : sites) {
            float[] a = new float[site.in() * rank];
            double bound = 1.0 / Math.sqrt(site.in());
            SplittableRandom r = Seeds.random(seed, "lora-A:" + site.target(), site.block());
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((2 * r.nextDouble() - 1) * bound);
            }
            p.put(site.nameA(), a, new Shape(site.in(), rank));
            p.put(site.nameB(), new float[rank * site.out()], new Shape(rank, site.out()));
        }
        p.setRequiresGradient(true);
        return new LoraAdapters(sites, p, rank, lora.alpha());
    }

    /** Loads adapters saved by {@link #save}; the file must hold exactly this layout's tensors. */
    public static LoraAdapters load(ModelShape s, LoraSettings lora, int rank, int fromBlock, int toBlock, Path file,
                                    NDManager manager) {
        Map<String, float[]> data = new java.util.LinkedHashMap<>();
        SafeTensors.read(file).forEach((n, t) -> {
            int rankDim = n.endsWith("lora_A") ? 1 : 0; // A is (in × r), B is (r × out)
            if (t.shape().length != 2 || t.shape()[rankDim] != rank) {
                manager.close();
                throw new UserError(file + ": LoRA tensor '" + n + "' has shape " + Arrays.toString(t.shape())
                        + ", expected rank " + rank + " in dimension " + rankDim);
            }
            data.put(n, t.data());
        });
        try {
            return of(s, lora, rank, fromBlock, toBlock, data, manager);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
    }

    /**
     * Adapters of blocks [fromBlock, toBlock) with the given values (row-major A (in × r), B (r × out), named as
     * {@link Site}); {@code data} must hold exactly this layout's tensors with the right sizes, else an
     * IllegalArgumentException naming the first problem (and {@code manager} is closed).
     */
    public static LoraAdapters of(ModelShape s, LoraSettings lora, int rank, int fromBlock, int toBlock,
                                  Map<String, float[]> data, NDManager manager) {
        List<Site> sites = sites(s, lora, fromBlock, toBlock);
        ParamSet p = new ParamSet(manager);
        for (Site site : sites) {
            for (String n : List.of(site.nameA(), site.nameB())) {
                long[] want = n.endsWith("A") ? new long[] {site.in(), rank} : new long[] {rank, site.out()};
                float[] x = data.get(n);
                if (x == null || x.length != want[0] * want[1]) {
                    manager.close();
                    throw new IllegalArgumentException("LoRA tensor '" + n + "' " + (x == null ? "missing" : "has " + x.length
                            + " values") + ", expected " + Arrays.toString(want) + " (rank " + rank + ")");
                }
                p.put(n, x, new Shape(want));
            }
        }
        if (data.size() != p.names().size()) {
            manager.close();
            throw new IllegalArgumentException("holds " + data.size() + " LoRA tensors, the layout of blocks [" + fromBlock
                    + ", " + toBlock + ") expects " + p.names().size());
        }
        p.setRequiresGradient(true);
        return new LoraAdapters(sites, p, rank, lora.alpha());
    }

    public void save(Path file) {
        save(file, Map.of());
    }

    /** Saves as safetensors with metadata {@code format = fedsllm-lora}, {@code rank}, and {@code extra}. */
    public void save(Path file, Map<String, String> extra) {
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put("format", "fedsllm-lora");
        meta.put("rank", Integer.toString(rank));
        meta.putAll(extra);
        SafeTensors.write(file, params.toTensors(), meta);
    }

    /**
     * The adapter term {@code scale · dropout(x) A B} for (block, target), or null when that projection has no
     * adapter. {@code dropoutMask} (same shape as x, entries 0 or 1/(1-p)) may be null (no dropout).
     */
    public NDArray delta(NDArray x, int block, String target, NDArray dropoutMask) {
        String a = "h." + block + "." + target + ".lora_A";
        if (!params.has(a)) {
            return null;
        }
        NDArray in = dropoutMask == null ? x : x.mul(dropoutMask);
        NDArray ab = in.matMul(params.get(a)).matMul(params.get("h." + block + "." + target + ".lora_B"));
        return ab.mul(Gpt2Forward.scalar(ab, scale));
    }

    public boolean adapts(int block, String target) {
        return params.has("h." + block + "." + target + ".lora_A");
    }

    public List<Site> sites() {
        return sites;
    }

    public ParamSet params() {
        return params;
    }

    public int rank() {
        return rank;
    }

    @Override
    public void close() {
        params.close();
    }
}
