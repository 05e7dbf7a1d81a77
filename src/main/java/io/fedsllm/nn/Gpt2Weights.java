package io.fedsllm.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.UserError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The base (frozen during LoRA) weights of a GPT-2 decoder in Hugging Face naming and layout: linear weights are
 * Conv1D matrices of shape (in, out), so a projection is {@code x · W + b}. The LM head is tied to {@code wte}.
 */
public final class Gpt2Weights {
    /** GPT-2's initialiser standard deviation (Radford et al. 2019, HF initializer_range). */
    private static final double INIT_STD = 0.02;

    private Gpt2Weights() {}

    public static String block(int i, String rest) {
        return "h." + i + "." + rest;
    }

    /** Parameter names and shapes of the embedding part (token + position tables). */
    public static Map<String, Shape> embeddingShapes(ModelShape s) {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("wte.weight", new Shape(s.vocab(), s.dModel()));
        m.put("wpe.weight", new Shape(s.context(), s.dModel()));
        return m;
    }

    /** Parameter names and shapes of block i. */
    public static Map<String, Shape> blockShapes(ModelShape s, int i) {
        int d = s.dModel();
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put(block(i, "ln_1.weight"), new Shape(d));
        m.put(block(i, "ln_1.bias"), new Shape(d));
        m.put(block(i, "attn.c_attn.weight"), new Shape(d, 3L * d));
        m.put(block(i, "attn.c_attn.bias"), new Shape(3L * d));
        m.put(block(i, "attn.c_proj.weight"), new Shape(d, d));
        m.put(block(i, "attn.c_proj.bias"), new Shape(d));
        m.put(block(i, "ln_2.weight"), new Shape(d));
        m.put(block(i, "ln_2.bias"), new Shape(d));
        m.put(block(i, "mlp.c_fc.weight"), new Shape(d, s.dFf()));
        m.put(block(i, "mlp.c_fc.bias"), new Shape(s.dFf()));
        m.put(block(i, "mlp.c_proj.weight"), new Shape(s.dFf(), d));
        m.put(block(i, "mlp.c_proj.bias"), new Shape(d));
        return m;
    }

    /** Parameter names and shapes of the final LayerNorm. */
    public static Map<String, Shape> finalNormShapes(ModelShape s) {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("ln_f.weight", new Shape(s.dModel()));
        m.put("ln_f.bias", new Shape(s.dModel()));
        return m;
    }

    /** Base parameters of a split's client segment: embeddings and blocks [0, splitLayer). */
    public static List<String> clientSegment(ModelShape s, int splitLayer) {
        List<String> names = new ArrayList<>(embeddingShapes(s).keySet());
        for (int i = 0; i < splitLayer; i++) {
            names.addAll(blockShapes(s, i).keySet());
        }
        return names;
    }

    /**
     * Base parameters of a split's server segment: blocks [splitLayer, L), the final LayerNorm and wte (a frozen
     * copy for the tied head; exact because base weights are never updated).
     */
    public static List<String> serverSegment(ModelShape s, int splitLayer) {
        List<String> names = new ArrayList<>();
        for (int i = splitLayer; i < s.layers(); i++) {
            names.addAll(blockShapes(s, i).keySet());
        }
        names.addAll(finalNormShapes(s).keySet());
        names.add("wte.weight");
        return names;
    }

    /** Every base parameter of the model, in HF order. */
    public static Map<String, Shape> allShapes(ModelShape s) {
        Map<String, Shape> m = new LinkedHashMap<>(embeddingShapes(s));
        for (int i = 0; i < s.layers(); i++) {
            m.putAll(blockShapes(s, i));
        }
        m.putAll(finalNormShapes(s));
        return m;
    }

    /**
     * GPT-2 initialisation, seeded per parameter name (order-independent): weights N(0, 0.02), residual output
     * projections N(0, 0.02/sqrt(2L)) (GPT-2 paper §2.3), biases 0, LayerNorm gain 1.
     */
    public static ParamSet random(ModelShape s, long seed, NDManager manager) {
        ParamSet p = new ParamSet(manager);
        for (Map.Entry<String, Shape> e : allShapes(s).entrySet()) {
            String name = e.getKey();
            float[] data = new float[Math.toIntExact(e.getValue().size())];
            if (name.contains("ln_") && name.endsWith(".weight")) {
                Arrays.fill(data, 1f);
            } else if (name.endsWith(".weight")) {
                double std = name.endsWith("c_proj.weight") ? INIT_STD / Math.sqrt(2.0 * s.layers()) : INIT_STD;
                SplittableRandom r = Seeds.random(seed, "gpt2-init:" + name);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (std * r.nextGaussian());
                }
            }
            p.put(name, data, e.getValue());
        }
        return p;
    }

    /**
     * Loads a Hugging Face GPT-2 checkpoint ({@code model.safetensors}): accepts the optional {@code transformer.}
     * prefix, ignores the attention mask buffers ({@code attn.bias}, {@code attn.masked_bias}) and a tied
     * {@code lm_head.weight}; every expected tensor must be present with the expected shape.
     */
    public static ParamSet fromSafeTensors(ModelShape s, Path file, NDManager manager) {
        Map<String, SafeTensors.Tensor> raw = SafeTensors.read(file);
        Map<String, SafeTensors.Tensor> byName = new LinkedHashMap<>();
        for (Map.Entry<String, SafeTensors.Tensor> e : raw.entrySet()) {
            String n = e.getKey().startsWith("transformer.") ? e.getKey().substring("transformer.".length()) : e.getKey();
            if (n.endsWith(".attn.bias") || n.endsWith(".attn.masked_bias") || n.equals("lm_head.weight")) {
                continue; // causal-mask buffers and the tied head are not parameters
            }
            byName.put(n, e.getValue());
        }
        Map<String, Shape> expected = allShapes(s);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            SafeTensors.Tensor t = byName.get(e.getKey());
            if (t == null) {
                problems.add("missing '" + e.getKey() + "'");
            } else if (!Arrays.equals(t.shape(), e.getValue().getShape())) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + ", model '" + s.name()
                        + "' expects " + e.getValue());
            }
        }
        for (String n : byName.keySet()) {
            if (!expected.containsKey(n)) {
                problems.add("unexpected tensor '" + n + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new UserError(file + " does not match model '" + s.name() + "' (" + s.layers() + " layers, d-model "
                    + s.dModel() + ", vocab " + s.vocab() + "): " + String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? "; ... (" + problems.size() + " problems)" : ""));
        }
        ParamSet p = new ParamSet(manager);
        expected.forEach((n, shape) -> p.put(n, byName.get(n).data(), shape));
        return p;
    }

    /** Writes the weights as an HF-compatible {@code model.safetensors} (no prefix, Conv1D layout). */
    public static void save(ParamSet weights, Path file, Map<String, String> metadata) {
        SafeTensors.write(file, weights.toTensors(), metadata);
    }
}
