package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.UserError;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads a GPT-2 checkpoint written in exactly Hugging Face's naming and layout ({@code transformer.} prefix,
 * Conv1D weights (in, out), attention-mask buffers) and checks the logits against a plain-Java reference forward
 * computed from the same tensors.
 */
class HfSafeTensorsLoaderTest {
    static final ModelShape SHAPE = new ModelShape("hf-test", 2, 8, 2, 16, 6, 6, 11);

    @TempDir
    Path dir;

    /** HF names → tensors, with random values, the prefix and the buffers HF writes. */
    static Map<String, SafeTensors.Tensor> hfCheckpoint(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, SafeTensors.Tensor> m = new LinkedHashMap<>();
        for (Map.Entry<String, ai.djl.ndarray.types.Shape> e : Gpt2Weights.allShapes(SHAPE).entrySet()) {
            float[] v = new float[(int) e.getValue().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (e.getKey().contains("ln_") && e.getKey().endsWith("weight") ? 1 + 0.1 * r.nextGaussian()
                        : 0.3 * r.nextGaussian());
            }
            m.put("transformer." + e.getKey(), new SafeTensors.Tensor(e.getValue().getShape(), v));
        }
        int c = SHAPE.context();
        for (int i = 0; i < SHAPE.layers(); i++) {
            m.put("transformer.h." + i + ".attn.bias", new SafeTensors.Tensor(new long[] {1, 1, c, c}, new float[c * c]));
            m.put("transformer.h." + i + ".attn.masked_bias", new SafeTensors.Tensor(new long[] {}, new float[] {-1e4f}));
        }
        return m;
    }

    @Test
    void loadsHuggingFaceGpt2CheckpointAndMatchesReferenceForward() {
        Map<String, SafeTensors.Tensor> ckpt = hfCheckpoint(21);
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, ckpt, Map.of("format", "pt"));
        int[][] tokens = {{1, 5, 3, 10, 0, 2}, {7, 7, 1, 9, 4, 6}};
        try (ParamSet base = Gpt2Weights.fromSafeTensors(SHAPE, file, NDManager.newBaseManager())) {
            float[] got = CausalLm.fullFineTuning(SHAPE, base, SplitLoraTest.ADAM).logits(tokens);
            Map<String, float[]> w = new LinkedHashMap<>();
            ckpt.forEach((k, v) -> w.put(k.substring("transformer.".length()), v.data()));
            float[] want = new float[got.length];
            int p = 0;
            for (int[] row : tokens) {
                for (float[] pos : referenceLogits(w, row)) {
                    System.arraycopy(pos, 0, want, p, pos.length);
                    p += pos.length;
                }
            }
            assertArrayEquals(want, got, 1e-4f);
            // Saving and reloading is lossless.
            Path again = dir.resolve("again.safetensors");
            Gpt2Weights.save(base, again, Map.of());
            try (ParamSet reloaded = Gpt2Weights.fromSafeTensors(SHAPE, again, NDManager.newBaseManager())) {
                assertEquals(base.sha256(), reloaded.sha256());
            }
        }
    }

    @Test
    void wrongCheckpointShapeNamesTensorAndShapes() {
        Map<String, SafeTensors.Tensor> ckpt = hfCheckpoint(1);
        ckpt.put("transformer.h.1.mlp.c_fc.weight", new SafeTensors.Tensor(new long[] {16, 8}, new float[128])); // Linear layout
        ckpt.remove("transformer.ln_f.bias");
        Path file = dir.resolve("bad.safetensors");
        SafeTensors.write(file, ckpt, Map.of());
        UserError e = assertThrows(UserError.class, () -> Gpt2Weights.fromSafeTensors(SHAPE, file, NDManager.newBaseManager()));
        assertTrue(e.getMessage().contains("'h.1.mlp.c_fc.weight' has shape [16, 8]") && e.getMessage().contains("(8, 16)"), e.getMessage());
        assertTrue(e.getMessage().contains("missing 'ln_f.bias'"), e.getMessage());
    }

    @Test
    void halfPrecisionDecodes() {
        assertEquals(1f, SafeTensors.halfToFloat((short) 0x3C00));
        assertEquals(-2f, SafeTensors.halfToFloat((short) 0xC000));
        assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, SafeTensors.halfToFloat((short) 0x0001));
    }

    // ---- an independent plain-Java GPT-2 forward over the HF tensors ----------------------------------------

    static float[][] referenceLogits(Map<String, float[]> w, int[] tokens) {
        int t = tokens.length;
        int d = SHAPE.dModel();
        float[][] x = new float[t][d];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = w.get("wte.weight")[tokens[i] * d + j] + w.get("wpe.weight")[i * d + j];
            }
        }
        for (int l = 0; l < SHAPE.layers(); l++) {
            String h = "h." + l + ".";
            float[][] a = ln(x, w.get(h + "ln_1.weight"), w.get(h + "ln_1.bias"));
            float[][] qkv = linear(a, w.get(h + "attn.c_attn.weight"), w.get(h + "attn.c_attn.bias"), 3 * d);
            int heads = SHAPE.heads();
            int hd = d / heads;
            float[][] y = new float[t][d];
            for (int hh = 0; hh < heads; hh++) {
                for (int i = 0; i < t; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int k = 0; k < hd; k++) {
                            dot += qkv[i][hh * hd + k] * qkv[j][d + hh * hd + k];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int k = 0; k < hd; k++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            acc += s[j] / z * qkv[j][2 * d + hh * hd + k];
                        }
                        y[i][hh * hd + k] = (float) acc;
                    }
                }
            }
            add(x, linear(y, w.get(h + "attn.c_proj.weight"), w.get(h + "attn.c_proj.bias"), d));
            float[][] f = linear(ln(x, w.get(h + "ln_2.weight"), w.get(h + "ln_2.bias")), w.get(h + "mlp.c_fc.weight"),
                    w.get(h + "mlp.c_fc.bias"), SHAPE.dFf());
            for (float[] row : f) {
                for (int k = 0; k < row.length; k++) {
                    double v = row[k];
                    row[k] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
                }
            }
            add(x, linear(f, w.get(h + "mlp.c_proj.weight"), w.get(h + "mlp.c_proj.bias"), d));
        }
        float[][] hf = ln(x, w.get("ln_f.weight"), w.get("ln_f.bias"));
        float[][] logits = new float[t][SHAPE.vocab()];
        for (int i = 0; i < t; i++) {
            for (int v = 0; v < SHAPE.vocab(); v++) {
                double acc = 0;
                for (int k = 0; k < d; k++) {
                    acc += hf[i][k] * w.get("wte.weight")[v * d + k];
                }
                logits[i][v] = (float) acc;
            }
        }
        return logits;
    }

    /** Conv1D: y = x W + b with W stored (in, out) row-major. */
    static float[][] linear(float[][] x, float[] wt, float[] b, int out) {
        int in = x[0].length;
        float[][] y = new float[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int k = 0; k < in; k++) {
                    acc += x[i][k] * wt[k * out + o];
                }
                y[i][o] = (float) acc;
            }
        }
        return y;
    }

    static float[][] ln(float[][] x, float[] g, float[] b) {
        float[][] y = new float[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            double var = 0;
            for (float v : x[i]) {
                mean += v;
            }
            mean /= x[i].length;
            for (float v : x[i]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[i].length;
            for (int k = 0; k < x[i].length; k++) {
                y[i][k] = (float) ((x[i][k] - mean) / Math.sqrt(var + 1e-5) * g[k] + b[k]);
            }
        }
        return y;
    }

    static void add(float[][] x, float[][] y) {
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < x[i].length; k++) {
                x[i][k] += y[i][k];
            }
        }
    }
}
