package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.Seeds;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.SafeTensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * The LoRA adapters of some blocks as plain floats, keyed by block index (0-based): what clients upload to the
 * federated server, what it broadcasts back, and what moves between client and main server when the split
 * moves. A block's map holds {@code <target>.lora_A} (in × r, row-major) and {@code <target>.lora_B} (r × out)
 * for each adapted projection; blocks without adapters (see {@code lora.last-blocks}) have no entry. On the wire
 * it is a safetensors file with the names of {@link LoraAdapters} ({@code h.<block>.<target>.lora_A}).
 *
 * <p>The adapter term of a projection is {@code (alpha/r) · x A B} (LoraAdapters), so a rank change rescales
 * the product by r'/r to keep the term unchanged (see {@link #resized}).
 *
 * @param blocks per block index, tensor name → values (the record keeps its own copies)
 * @param rank   LoRA rank r of every tensor
 */
public record LoraBlocks(SortedMap<Integer, Map<String, float[]>> blocks, int rank) {
    private static final String SUFFIX_A = ".lora_A";
    private static final String SUFFIX_B = ".lora_B";
    /** Singular values below this fraction of the largest are rounding noise of a rank-deficient product. */
    private static final double NEGLIGIBLE_SINGULAR_VALUE = 1e-10;

    public LoraBlocks {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank " + rank + ": expected >= 1");
        }
        TreeMap<Integer, Map<String, float[]>> copy = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, float[]>> e : blocks.entrySet()) {
            int block = e.getKey();
            if (block < 0) {
                throw new IllegalArgumentException("LoRA block index " + block + ": expected >= 0");
            }
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> t : e.getValue().entrySet()) {
                String name = t.getKey();
                if (!name.endsWith(SUFFIX_A) && !name.endsWith(SUFFIX_B)) {
                    throw new IllegalArgumentException("block " + block + ": tensor '" + name + "' is neither <target>"
                            + SUFFIX_A + " nor <target>" + SUFFIX_B);
                }
                String partner = target(name) + (name.endsWith(SUFFIX_A) ? SUFFIX_B : SUFFIX_A);
                if (!e.getValue().containsKey(partner)) {
                    throw new IllegalArgumentException("block " + block + ": tensor '" + name + "' without its partner '" + partner + "'");
                }
                if (t.getValue().length == 0 || t.getValue().length % rank != 0) {
                    throw new IllegalArgumentException("block " + block + ": tensor '" + name + "' has " + t.getValue().length
                            + " values, not a positive multiple of the rank " + rank);
                }
                tensors.put(name, t.getValue().clone());
            }
            if (tensors.isEmpty()) {
                throw new IllegalArgumentException("block " + block + " has no LoRA tensor (leave blocks without adapters out)");
            }
            copy.put(block, Collections.unmodifiableMap(tensors));
        }
        blocks = Collections.unmodifiableSortedMap(copy);
    }

    /** No blocks (e.g. the server's share at split L, or a client share under last-blocks). */
    public static LoraBlocks empty(int rank) {
        return new LoraBlocks(new TreeMap<>(), rank);
    }

    /** The current values of the adapters (a copy). */
    public static LoraBlocks of(LoraAdapters adapters) {
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
        for (LoraAdapters.Site s : adapters.sites()) {
            Map<String, float[]> m = out.computeIfAbsent(s.block(), k -> new LinkedHashMap<>());
            m.put(s.target() + SUFFIX_A, adapters.params().get(s.nameA()).toFloatArray());
            m.put(s.target() + SUFFIX_B, adapters.params().get(s.nameB()).toFloatArray());
        }
        return new LoraBlocks(out, adapters.rank());
    }

    /**
     * Trainable adapters of blocks [fromBlock, toBlock) with these values, owned by {@code manager}; the blocks
     * must be exactly the adapted blocks of that range (IllegalArgumentException otherwise, manager closed).
     */
    public LoraAdapters toAdapters(ModelShape shape, LoraSettings lora, int fromBlock, int toBlock, NDManager manager) {
        Map<String, float[]> byName = new LinkedHashMap<>();
        blocks.forEach((block, tensors) -> tensors.forEach((n, v) -> byName.put("h." + block + "." + n, v)));
        return LoraAdapters.of(shape, lora, rank, fromBlock, toBlock, byName, manager);
    }

    /** The safetensors bytes (F32, names {@code h.<block>.<target>.lora_A|B}, metadata format and rank). */
    public byte[] toBytes() {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        blocks.forEach((block, m) -> m.forEach((n, v) -> {
            long[] shape = n.endsWith(SUFFIX_A) ? new long[] {v.length / rank, rank} : new long[] {rank, v.length / rank};
            tensors.put("h." + block + "." + n, new SafeTensors.Tensor(shape, v));
        }));
        // SafeTensors.toBytes writes metadata sorted, so Map.of's per-JVM iteration order does not reach the bytes.
        return SafeTensors.toBytes(tensors, Map.of("format", "fedsllm-lora-blocks", "rank", Integer.toString(rank)));
    }

    /** Parses {@link #toBytes} output; malformed bytes are an IllegalArgumentException saying what is wrong. */
    public static LoraBlocks fromBytes(byte[] bytes) {
        SafeTensors.Message message = SafeTensors.message(bytes, "LoRA message");
        Map<String, SafeTensors.Tensor> tensors = message.tensors();
        Map<String, String> meta = message.metadata();
        if (!"fedsllm-lora-blocks".equals(meta.get("format"))) {
            throw new IllegalArgumentException("LoRA message: metadata format " + meta.get("format") + ", expected fedsllm-lora-blocks");
        }
        int rank;
        try {
            rank = Integer.parseInt(meta.getOrDefault("rank", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LoRA message: metadata rank '" + meta.get("rank") + "' is not an integer");
        }
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
        for (Map.Entry<String, SafeTensors.Tensor> e : tensors.entrySet()) {
            String[] parts = e.getKey().split("\\.", 3);
            long[] shape = e.getValue().shape();
            boolean isA = e.getKey().endsWith(SUFFIX_A);
            if (parts.length != 3 || !parts[0].equals("h") || !parts[1].matches("\\d{1,6}") || shape.length != 2
                    || shape[isA ? 1 : 0] != rank) {
                throw new IllegalArgumentException("LoRA message: tensor '" + e.getKey() + "' of shape " + java.util.Arrays.toString(shape)
                        + " is not h.<block>.<target>.lora_A (in × " + rank + ") or lora_B (" + rank + " × out)");
            }
            out.computeIfAbsent(Integer.parseInt(parts[1]), k -> new LinkedHashMap<>()).put(parts[2], e.getValue().data());
        }
        return new LoraBlocks(out, rank);
    }

    /** Number of LoRA weights: r · Σ (d_in + d_out) over the adapted projections. */
    public long weights() {
        long n = 0;
        for (Map<String, float[]> m : blocks.values()) {
            for (float[] v : m.values()) {
                n += v.length;
            }
        }
        return n;
    }

    /** Payload bits as sent (float32 weights), the Δ of the delay model (SYSTEM_MODEL §2) at lora-weight-bits 32. */
    public long bits() {
        return bits(Float.SIZE);
    }

    /** Payload bits at {@code weightBits} per weight ({@code cost.lora-weight-bits}). */
    public long bits(int weightBits) {
        return weights() * weightBits;
    }

    /** The blocks in [fromBlockInclusive, toBlockExclusive). */
    public LoraBlocks select(int fromBlockInclusive, int toBlockExclusive) {
        if (fromBlockInclusive > toBlockExclusive) {
            throw new IllegalArgumentException("block range [" + fromBlockInclusive + ", " + toBlockExclusive + ") is reversed");
        }
        return new LoraBlocks(blocks.subMap(fromBlockInclusive, toBlockExclusive), rank);
    }

    /** The union of disjoint block sets of the same rank; an overlap or a rank mismatch is an IllegalArgumentException. */
    public LoraBlocks merge(LoraBlocks other) {
        if (other.rank != rank) {
            throw new IllegalArgumentException("cannot merge LoRA of rank " + rank + " with rank " + other.rank);
        }
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>(blocks);
        for (Map.Entry<Integer, Map<String, float[]>> e : other.blocks.entrySet()) {
            if (out.containsKey(e.getKey())) {
                throw new IllegalArgumentException("cannot merge LoRA blocks: block " + e.getKey() + " is in both "
                        + blocks.keySet() + " and " + other.blocks.keySet());
            }
            out.put(e.getKey(), e.getValue());
        }
        return new LoraBlocks(out, rank);
    }

    /**
     * The same adapters at rank {@code newRank}. The adapter term is {@code (alpha/r) A B}, so the target product
     * is {@code P = (r'/r) A B} (equal term at the new scale alpha/r'):
     * <ul>
     *   <li>r' > r: A gains r'−r columns (Kaiming-uniform as at init, stream {@code (seed, "lora-rank-up:<target>",
     *       block, r')}, the same on every party) and B gains r'−r zero rows, then B is scaled by r'/r: A'B' = P
     *       exactly.</li>
     *   <li>r' < r: the best rank-r' approximation of P (Eckart–Young) by the truncated SVD (commons-math),
     *       A' = U_r' sqrt(S_r'), B' = sqrt(S_r') V_r'^T. Where P has fewer than r' non-negligible singular
     *       values (e.g. an untrained adapter, B = 0), the missing components get B rows of zero and fresh A
     *       columns (stream {@code (seed, "lora-rank-down:<target>", block, r', k)}): P is kept and the adapter
     *       stays trainable.</li>
     * </ul>
     * The paper writes ΔW = B·A with A (r × in); here A is (in × r), so its "rows of A" are our columns.
     */
    public LoraBlocks resized(int newRank, long seed) {
        if (newRank < 1) {
            throw new IllegalArgumentException("LoRA rank " + newRank + ": expected >= 1");
        }
        if (newRank == rank) {
            return this;
        }
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, float[]>> e : blocks.entrySet()) {
            Map<String, float[]> m = new LinkedHashMap<>();
            for (String name : e.getValue().keySet()) {
                if (!name.endsWith(SUFFIX_A)) {
                    continue;
                }
                String target = target(name);
                float[] a = e.getValue().get(name);
                float[] b = e.getValue().get(target + SUFFIX_B);
                float[][] ab = newRank > rank ? grow(a, b, newRank, seed, e.getKey(), target)
                        : truncate(a, b, newRank, seed, e.getKey(), target);
                m.put(target + SUFFIX_A, ab[0]);
                m.put(target + SUFFIX_B, ab[1]);
            }
            out.put(e.getKey(), m);
        }
        return new LoraBlocks(out, newRank);
    }

    private float[][] grow(float[] a, float[] b, int newRank, long seed, int block, String target) {
        int in = a.length / rank;
        int outDim = b.length / rank;
        float[] a2 = new float[in * newRank];
        float[] b2 = new float[newRank * outDim];
        for (int i = 0; i < in; i++) {
            System.arraycopy(a, i * rank, a2, i * newRank, rank);
        }
        for (int j = rank; j < newRank; j++) {
            freshColumn(a2, in, newRank, j, seed, "lora-rank-up:" + target, block);
        }
        float scale = (float) newRank / rank;
        for (int i = 0; i < rank * outDim; i++) {
            b2[i] = b[i] * scale; // rows rank..newRank-1 stay zero
        }
        return new float[][] {a2, b2};
    }

    /**
     * The best rank-r' factors of P = (r'/r) A B. P has rank <= r, so its SVD comes from small matrices: with thin
     * QR factorisations A = Qa Ra and B^T = Qb Rb, P = Qa M Qb^T with M = (r'/r) Ra Rb^T (r × r); the SVD
     * M = Um S Vm^T (commons-math) gives P's singular vectors U = Qa Um, V = Qb Vm and the same singular values,
     * without a dense in × out decomposition (768 × 3072 for GPT-2 small's MLP).
     */
    /**
     * Column k of the (in × cols) A: Kaiming-uniform, bound 1/sqrt(in), as LoraAdapters.init, from the stream
     * (seed, entity, block, cols, k): the same on every party that resizes the same blocks.
     */
    private static void freshColumn(float[] a, int in, int cols, int k, long seed, String entity, int block) {
        double bound = 1.0 / Math.sqrt(in);
        SplittableRandom r = Seeds.random(seed, entity, block, cols, k);
        for (int i = 0; i < in; i++) {
            a[i * cols + k] = (float) ((2 * r.nextDouble() - 1) * bound);
        }
    }

    private float[][] truncate(float[] a, float[] b, int newRank, long seed, int block, String target) {
        int in = a.length / rank;
        int outDim = b.length / rank;
        double[][] qa = new double[in][rank];
        double[][] qb = new double[outDim][rank];
        for (int i = 0; i < in; i++) {
            for (int k = 0; k < rank; k++) {
                qa[i][k] = a[i * rank + k];
            }
        }
        for (int k = 0; k < rank; k++) {
            for (int j = 0; j < outDim; j++) {
                qb[j][k] = b[k * outDim + j];
            }
        }
        double[][] ra = thinQr(qa);
        double[][] rb = thinQr(qb);
        double scale = (double) newRank / rank;
        double[][] m = new double[rank][rank];
        for (int i = 0; i < rank; i++) {
            for (int j = 0; j < rank; j++) {
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += ra[i][k] * rb[j][k];
                }
                m[i][j] = scale * sum;
            }
        }
        SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(m, false));
        RealMatrix um = svd.getU();
        RealMatrix vm = svd.getV();
        double[] sv = svd.getSingularValues(); // descending
        float[] a2 = new float[in * newRank];
        float[] b2 = new float[newRank * outDim];
        for (int k = 0; k < newRank; k++) {
            if (sv[k] <= NEGLIGIBLE_SINGULAR_VALUE * sv[0] || sv[k] == 0) {
                // P has no direction here: a zero row of B keeps P, a fresh column of A keeps the pair trainable
                // (both zero would never receive a gradient: dL/dB = A^T..., dL/dA = ...B^T).
                freshColumn(a2, in, newRank, k, seed, "lora-rank-down:" + target, block);
                continue;
            }
            double root = Math.sqrt(sv[k]);
            for (int i = 0; i < in; i++) {
                double u = 0;
                for (int c = 0; c < rank; c++) {
                    u += qa[i][c] * um.getEntry(c, k);
                }
                a2[i * newRank + k] = (float) (u * root);
            }
            for (int j = 0; j < outDim; j++) {
                double v = 0;
                for (int c = 0; c < rank; c++) {
                    v += qb[j][c] * vm.getEntry(c, k);
                }
                b2[k * outDim + j] = (float) (root * v);
            }
        }
        return new float[][] {a2, b2};
    }

    /**
     * Thin QR of the n × r matrix x in place (x becomes Q, orthonormal columns), by modified Gram–Schmidt with one
     * re-orthogonalisation pass (twice is enough, Giraud et al. 2005); returns R (r × r, upper triangular). A
     * column that is (numerically) dependent on the previous ones gets a zero Q column and a zero R diagonal, which
     * keeps Q R = x.
     */
    private static double[][] thinQr(double[][] x) {
        int n = x.length;
        int r = n == 0 ? 0 : x[0].length;
        double[][] rr = new double[r][r];
        for (int k = 0; k < r; k++) {
            double original = 0;
            for (double[] row : x) {
                original += row[k] * row[k];
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < k; j++) {
                    double dot = 0;
                    for (double[] row : x) {
                        dot += row[j] * row[k];
                    }
                    rr[j][k] += dot;
                    for (double[] row : x) {
                        row[k] -= dot * row[j];
                    }
                }
            }
            double norm = 0;
            for (double[] row : x) {
                norm += row[k] * row[k];
            }
            norm = Math.sqrt(norm);
            if (norm <= 1e-12 * Math.sqrt(original) || norm == 0) {
                for (double[] row : x) {
                    row[k] = 0;
                }
                continue;
            }
            rr[k][k] = norm;
            for (double[] row : x) {
                row[k] /= norm;
            }
        }
        return rr;
    }

    /**
     * Checks that these are exactly the adapted blocks of [from, to) under the settings, with every tensor of the
     * layout at this rank (IllegalArgumentException starting with {@code what} otherwise): nothing missing, nothing
     * extra.
     */
    void checkHoldsExactly(ModelShape shape, LoraSettings lora, int from, int to, String what) {
        checkLayout(LoraAdapters.sites(shape, lora, from, to), rank, what + " (blocks [" + from + ", " + to + "))");
    }

    /** Writes these values into {@code adapters} in place (same sites and rank; IllegalArgumentException otherwise). */
    void copyInto(LoraAdapters adapters, int from, int to) {
        if (adapters.rank() != rank) {
            throw new IllegalArgumentException("LoRA of rank " + rank + " cannot replace adapters of rank " + adapters.rank());
        }
        checkLayout(adapters.sites(), rank, "LoRA replacing blocks [" + from + ", " + to + ")");
        for (LoraAdapters.Site s : adapters.sites()) {
            adapters.params().get(s.nameA()).set(blocks.get(s.block()).get(s.target() + SUFFIX_A));
            adapters.params().get(s.nameB()).set(blocks.get(s.block()).get(s.target() + SUFFIX_B));
        }
    }

    private void checkLayout(List<LoraAdapters.Site> sites, int r, String what) {
        TreeMap<Integer, Map<String, Integer>> want = new TreeMap<>();
        for (LoraAdapters.Site s : sites) {
            Map<String, Integer> m = want.computeIfAbsent(s.block(), k -> new LinkedHashMap<>());
            m.put(s.target() + SUFFIX_A, s.in() * r);
            m.put(s.target() + SUFFIX_B, r * s.out());
        }
        if (!want.keySet().equals(blocks.keySet())) {
            throw new IllegalArgumentException(what + ": expected the adapted blocks " + want.keySet() + ", got " + blocks.keySet());
        }
        for (Map.Entry<Integer, Map<String, Integer>> e : want.entrySet()) {
            Map<String, float[]> got = blocks.get(e.getKey());
            if (!got.keySet().equals(e.getValue().keySet())) {
                throw new IllegalArgumentException(what + ": block " + e.getKey() + " holds " + got.keySet() + ", expected "
                        + e.getValue().keySet());
            }
            for (Map.Entry<String, Integer> t : e.getValue().entrySet()) {
                if (got.get(t.getKey()).length != t.getValue()) {
                    throw new IllegalArgumentException(what + ": block " + e.getKey() + " tensor " + t.getKey() + " has "
                            + got.get(t.getKey()).length + " values, expected " + t.getValue() + " at rank " + r);
                }
            }
        }
    }

    /** Indices of the blocks held. */
    public List<Integer> blockIndices() {
        return new ArrayList<>(blocks.keySet());
    }

    private static String target(String name) {
        return name.substring(0, name.length() - SUFFIX_A.length()); // both suffixes have the same length
    }
}
