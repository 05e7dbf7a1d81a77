package io.fedsllm.train;

import io.fedsllm.nn.SafeTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The per-block state of a {@link ServerStrategy}: for each block of the global copy, one float array per
 * (tensor, slot) with the tensor's size (e.g. slots "m" and "v" of FedAdam) and a step count. It follows the global
 * copy's layout ({@link #align}) and round-trips through safetensors bytes ({@link #toBytes}, {@link #restore}).
 */
final class StrategyState {
    private static final String FORMAT = "fedsllm-strategy-state";

    private final String strategy;
    private final List<String> slots;
    private int rank;
    private final TreeMap<Integer, Integer> steps = new TreeMap<>();
    /** block → "<tensor>.<slot>" → values, tensors in the global copy's order, slots in {@link #slots} order. */
    private final TreeMap<Integer, Map<String, float[]>> values = new TreeMap<>();

    StrategyState(String strategy, List<String> slots) {
        this.strategy = strategy;
        this.slots = List.copyOf(slots);
    }

    String strategy() {
        return strategy;
    }

    /**
     * Makes the state hold exactly the blocks of {@code global}: a rank change clears everything; blocks no longer in
     * the copy are dropped; blocks new to it (or whose tensors changed) start at zero with step 0.
     */
    void align(LoraBlocks global) {
        if (global.rank() != rank) {
            steps.clear();
            values.clear();
            rank = global.rank();
        }
        steps.keySet().retainAll(global.blocks().keySet());
        values.keySet().retainAll(global.blocks().keySet());
        global.blocks().forEach((block, tensors) -> {
            Map<String, float[]> have = values.get(block);
            if (have == null || !fits(have, tensors)) {
                Map<String, float[]> zero = new LinkedHashMap<>();
                tensors.forEach((name, v) -> slots.forEach(slot -> zero.put(name + "." + slot, new float[v.length])));
                values.put(block, zero);
                steps.put(block, 0);
            }
        });
    }

    private boolean fits(Map<String, float[]> have, Map<String, float[]> tensors) {
        if (have.size() != tensors.size() * slots.size()) {
            return false;
        }
        for (Map.Entry<String, float[]> t : tensors.entrySet()) {
            for (String slot : slots) {
                float[] v = have.get(t.getKey() + "." + slot);
                if (v == null || v.length != t.getValue().length) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The (mutable) values of (block, tensor, slot); the block must be held ({@link #align} first). */
    float[] values(int block, String tensor, String slot) {
        return values.get(block).get(tensor + "." + slot);
    }

    /** Counts one more step of {@code block} and returns the new count t (1 on its first step). */
    int nextStep(int block) {
        return steps.merge(block, 1, Integer::sum);
    }

    byte[] toBytes() {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        StringJoiner stepList = new StringJoiner(",");
        values.forEach((block, m) -> {
            stepList.add(block + ":" + steps.get(block));
            m.forEach((name, v) -> {
                long[] shape = name.contains(".lora_A.") ? new long[] {v.length / rank, rank} : new long[] {rank, v.length / rank};
                tensors.put("h." + block + "." + name, new SafeTensors.Tensor(shape, v.clone()));
            });
        });
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("strategy", strategy);
        meta.put("rank", Integer.toString(rank));
        meta.put("steps", stepList.toString());
        return SafeTensors.toBytes(tensors, meta);
    }

    /** Replaces the state with {@link #toBytes} output of the same strategy; IllegalArgumentException if malformed. */
    void restore(byte[] bytes) {
        SafeTensors.Message message = SafeTensors.message(bytes, "strategy state");
        Map<String, SafeTensors.Tensor> tensors = message.tensors();
        Map<String, String> meta = message.metadata();
        if (!FORMAT.equals(meta.get("format")) || !strategy.equals(meta.get("strategy"))) {
            throw new IllegalArgumentException("strategy state: format " + meta.get("format") + " of strategy " + meta.get("strategy")
                    + ", expected " + FORMAT + " of strategy " + strategy);
        }
        int r;
        TreeMap<Integer, Integer> newSteps = new TreeMap<>();
        try {
            r = Integer.parseInt(meta.getOrDefault("rank", ""));
            String list = meta.getOrDefault("steps", "");
            for (String entry : list.isEmpty() ? new String[0] : list.split(",")) {
                String[] kv = entry.split(":");
                newSteps.put(Integer.parseInt(kv[0]), Integer.parseInt(kv[1]));
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("strategy state: metadata rank '" + meta.get("rank") + "' or steps '" + meta.get("steps")
                    + "' is malformed (expected an integer and block:count,...)");
        }
        TreeMap<Integer, Map<String, float[]>> newValues = new TreeMap<>();
        for (Map.Entry<String, SafeTensors.Tensor> e : tensors.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            if (parts.length != 5 || !parts[0].equals("h") || !parts[1].matches("\\d{1,6}") || !slots.contains(parts[4])
                    || !newSteps.containsKey(Integer.parseInt(parts[1]))) {
                throw new IllegalArgumentException("strategy state: tensor '" + e.getKey() + "' is not h.<block>.<target>.lora_A|B.<slot>"
                        + " with a slot of " + slots + " and a block listed in steps " + newSteps.keySet());
            }
            newValues.computeIfAbsent(Integer.parseInt(parts[1]), k -> new LinkedHashMap<>())
                    .put(parts[2] + "." + parts[3] + "." + parts[4], e.getValue().data());
        }
        if (!newValues.keySet().equals(newSteps.keySet())) {
            throw new IllegalArgumentException("strategy state: tensors of blocks " + newValues.keySet() + ", steps of blocks " + newSteps.keySet());
        }
        rank = r;
        steps.clear();
        steps.putAll(newSteps);
        values.clear();
        values.putAll(newValues);
    }

    /**
     * Checks that the global copy the round started from has the layout of the averaged uploads (the federated
     * server must pass the copy it broadcast) and finite values: IllegalArgumentException otherwise.
     */
    static void checkGlobal(LoraBlocks global, LoraBlocks average) {
        if (global == null) {
            throw new IllegalArgumentException("strategy: no global copy (pass the copy broadcast at the round's start)");
        }
        List<String> problems = new ArrayList<>();
        if (global.rank() != average.rank()) {
            problems.add("rank " + global.rank() + " vs " + average.rank());
        }
        if (!global.blocks().keySet().equals(average.blocks().keySet())) {
            problems.add("blocks " + global.blocks().keySet() + " vs " + average.blocks().keySet());
        } else {
            average.blocks().forEach((block, tensors) -> tensors.forEach((name, v) -> {
                float[] g = global.blocks().get(block).get(name);
                if (g == null || g.length != v.length) {
                    problems.add("block " + block + " tensor " + name);
                    return;
                }
                for (int i = 0; i < g.length; i++) {
                    if (!Float.isFinite(g[i])) {
                        problems.add("block " + block + " tensor " + name + " holds the non-finite value " + g[i] + " at index " + i);
                        return;
                    }
                }
            }));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("strategy: the global copy does not match the uploads (global vs uploads): "
                    + String.join("; ", problems));
        }
    }
}
