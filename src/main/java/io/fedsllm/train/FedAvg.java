package io.fedsllm.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The federated server's aggregation (SYSTEM_MODEL §1): the client-side LoRA of the round is the average of the
 * uploads weighted by the clients' sample counts, {@code w = Σ_k |D_k| w_k / Σ_k |D_k|}.
 */
public final class FedAvg {
    private FedAvg() {}

    /**
     * The |D_k|-weighted average. Every upload must hold the same blocks, tensors, sizes and rank, and every count
     * must be positive, every value finite (IllegalArgumentException naming the first problem: a diverged client must
     * not poison the global copy silently). Sums run in double, in upload order.
     */
    public static LoraBlocks average(List<LoraBlocks> uploads, List<Integer> sampleCounts) {
        if (uploads.isEmpty() || uploads.size() != sampleCounts.size()) {
            throw new IllegalArgumentException("FedAvg needs one sample count per upload, got " + uploads.size() + " uploads and "
                    + sampleCounts.size() + " counts (at least one)");
        }
        LoraBlocks first = uploads.get(0);
        long total = 0;
        for (int k = 0; k < uploads.size(); k++) {
            int n = sampleCounts.get(k);
            if (n <= 0) {
                throw new IllegalArgumentException("FedAvg: upload " + k + " has sample count " + n + ", expected > 0");
            }
            total += n;
            checkSameLayout(first, uploads.get(k), k);
        }
        TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, float[]>> block : first.blocks().entrySet()) {
            Map<String, float[]> m = new LinkedHashMap<>();
            for (String name : block.getValue().keySet()) {
                double[] sum = new double[block.getValue().get(name).length];
                for (int k = 0; k < uploads.size(); k++) {
                    float[] w = uploads.get(k).blocks().get(block.getKey()).get(name);
                    double weight = sampleCounts.get(k);
                    for (int i = 0; i < sum.length; i++) {
                        if (!Float.isFinite(w[i])) {
                            throw new IllegalArgumentException("FedAvg: upload " + k + " block " + block.getKey() + " tensor " + name
                                    + " holds the non-finite value " + w[i] + " at index " + i);
                        }
                        sum[i] += weight * w[i];
                    }
                }
                float[] avg = new float[sum.length];
                for (int i = 0; i < sum.length; i++) {
                    avg[i] = (float) (sum[i] / total);
                }
                m.put(name, avg);
            }
            out.put(block.getKey(), m);
        }
        return new LoraBlocks(out, first.rank());
    }

    private static void checkSameLayout(LoraBlocks first, LoraBlocks other, int k) {
        if (other.rank() != first.rank()) {
            throw new IllegalArgumentException("FedAvg: upload " + k + " has rank " + other.rank() + ", upload 0 has rank " + first.rank());
        }
        if (!other.blocks().keySet().equals(first.blocks().keySet())) {
            throw new IllegalArgumentException("FedAvg: upload " + k + " holds blocks " + other.blocks().keySet() + ", upload 0 holds "
                    + first.blocks().keySet());
        }
        for (Map.Entry<Integer, Map<String, float[]>> e : first.blocks().entrySet()) {
            Map<String, float[]> o = other.blocks().get(e.getKey());
            if (!o.keySet().equals(e.getValue().keySet())) {
                throw new IllegalArgumentException("FedAvg: upload " + k + " block " + e.getKey() + " holds " + o.keySet()
                        + ", upload 0 holds " + e.getValue().keySet());
            }
            for (Map.Entry<String, float[]> t : e.getValue().entrySet()) {
                if (o.get(t.getKey()).length != t.getValue().length) {
                    throw new IllegalArgumentException("FedAvg: upload " + k + " block " + e.getKey() + " tensor " + t.getKey() + " has "
                            + o.get(t.getKey()).length + " values, upload 0 has " + t.getValue().length);
                }
            }
        }
    }
}
