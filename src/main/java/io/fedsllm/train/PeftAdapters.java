package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA adapters in the layout Hugging Face PEFT writes for GPT-2 ({@code save_pretrained}): a folder with
 * {@code adapter_model.safetensors} and {@code adapter_config.json}, loadable with
 * {@code PeftModel.from_pretrained(GPT2LMHeadModel.from_pretrained(base), folder)}.
 *
 * <p>Modules: q, k, v → {@code attn.c_attn} (GPT-2's fused QKV Conv1D), o → {@code attn.c_proj}, fc →
 * {@code mlp.c_fc}, proj → {@code mlp.c_proj}; tensors {@code base_model.model.transformer.h.<i>.<module>.lora_A.weight}
 * [r, in] and {@code lora_B.weight} [out, r] (torch Linear layout: PEFT computes {@code x A^T B^T · lora_alpha/r};
 * ours is {@code x A B · alpha/r} with A [in, r], B [r, out], so A and B are transposed). PEFT adapts {@code c_attn}
 * as a whole, so the n adapted projections among q, k, v become one fused adapter of rank n·r: A stacks their
 * A^T, B holds each projection's B^T in its own output rows (q rows [0, d), k [d, 2d), v [2d, 3d)) and its own rank
 * columns, zeros elsewhere; its {@code lora_alpha} is n·alpha, which keeps the scale alpha/r. The product is
 * exactly the projections' adapters (the zero blocks add exact zeros). When only c_attn is adapted the config's
 * {@code r}, {@code lora_alpha} are n·r, n·alpha; otherwise they are r, alpha and {@code rank_pattern} /
 * {@code alpha_pattern} give c_attn its own. A {@code lora.blocks} range becomes {@code layers_to_transform} with
 * {@code layers_pattern = "h"}. {@code fan_in_fan_out = true} (GPT-2's Conv1D stores weights [in, out]).
 */
public final class PeftAdapters {
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String CONFIG = "adapter_config.json";
    private static final String PREFIX = "base_model.model.transformer.h.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> QKV = List.of("q", "k", "v");
    /** Our targets outside c_attn and the PEFT module each adapts, in GPT-2's module order. */
    private static final Map<String, String> MODULES = Map.of("o", "attn.c_proj", "fc", "mlp.c_fc", "proj", "mlp.c_proj");

    private PeftAdapters() {}

    /**
     * What writing a configuration's adapters in PEFT's layout needs: the trained model's shape ({@code train.model}),
     * the LoRA settings and the base model's folder ({@link BaseModels#location}).
     */
    public record Export(ModelShape shape, LoraSettings settings, String baseModel) {
        public static Export of(ConfigReader root) {
            ModelShape shape = ModelShape.named(root, TrainSettings.from(root).model());
            return new Export(shape, LoraSettings.from(root), BaseModels.location(root, shape));
        }

        /** {@link PeftAdapters#write} of {@code lora} (every adapted block of [0, L)) into {@code folder}. */
        public void write(LoraBlocks lora, Path folder) {
            PeftAdapters.write(lora, shape, settings, baseModel, folder);
        }
    }

    /**
     * The PEFT folder {@code --save-lora FILE} writes next to FILE: FILE's name without a {@code .safetensors}
     * extension plus {@code -peft} ({@code out/lora.safetensors} → {@code out/lora-peft/}).
     */
    public static Path folderFor(Path saveLora) {
        String name = saveLora.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return saveLora.resolveSibling(stem + "-peft");
    }

    /**
     * Writes {@code lora} (the adapters of every adapted block of blocks [0, L), client and server merged, any split)
     * as PEFT's folder: {@code adapter_model.safetensors} (F32, metadata {@code format = pt}) and
     * {@code adapter_config.json}. {@code baseModel} is the config's {@code base_model_name_or_path}. The same
     * adapters give the same bytes. A layout that does not match {@code shape} and {@code settings} is an
     * IllegalArgumentException.
     */
    public static void write(LoraBlocks lora, ModelShape shape, LoraSettings settings, String baseModel, Path folder) {
        lora.checkHoldsExactly(shape, settings, 0, shape.layers(), "LoRA exported for PEFT");
        int r = lora.rank();
        int d = shape.dModel();
        List<String> fused = QKV.stream().filter(settings.targets()::contains).toList();
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        lora.blocks().forEach((block, m) -> {
            if (!fused.isEmpty()) {
                int n = fused.size();
                float[] a = new float[n * r * d];
                float[] b = new float[3 * d * n * r];
                for (int s = 0; s < n; s++) {
                    String t = fused.get(s);
                    int part = QKV.indexOf(t);
                    float[] as = m.get(t + ".lora_A"); // [d, r]
                    float[] bs = m.get(t + ".lora_B"); // [r, d]
                    for (int j = 0; j < r; j++) {
                        for (int i = 0; i < d; i++) {
                            a[(s * r + j) * d + i] = as[i * r + j];
                            b[(part * d + i) * n * r + s * r + j] = bs[j * d + i];
                        }
                    }
                }
                tensors.put(PREFIX + block + ".attn.c_attn.lora_A.weight", new SafeTensors.Tensor(new long[] {n * r, d}, a));
                tensors.put(PREFIX + block + ".attn.c_attn.lora_B.weight", new SafeTensors.Tensor(new long[] {3L * d, n * r}, b));
            }
            for (String t : LoraSettings.ALLOWED_TARGETS) {
                if (MODULES.containsKey(t) && m.containsKey(t + ".lora_A")) {
                    float[] as = m.get(t + ".lora_A");
                    float[] bs = m.get(t + ".lora_B");
                    int in = as.length / r;
                    int out = bs.length / r;
                    tensors.put(PREFIX + block + "." + MODULES.get(t) + ".lora_A.weight",
                            new SafeTensors.Tensor(new long[] {r, in}, transpose(as, in, r)));
                    tensors.put(PREFIX + block + "." + MODULES.get(t) + ".lora_B.weight",
                            new SafeTensors.Tensor(new long[] {out, r}, transpose(bs, r, out)));
                }
            }
        });
        byte[] config = config(shape, settings, r, fused.size(), baseModel);
        try {
            Files.createDirectories(folder);
            Files.write(folder.resolve(WEIGHTS), SafeTensors.toBytes(tensors, Map.of("format", "pt")));
            Files.write(folder.resolve(CONFIG), config);
        } catch (IOException e) {
            throw new UserError("cannot write the PEFT adapter folder " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The adapter_config.json bytes: the fields PEFT's LoraConfig reads for this layout (2-space indent, fixed order). */
    static byte[] config(ModelShape shape, LoraSettings settings, int r, int fusedCount, String baseModel) {
        boolean onlyQkv = settings.targets().stream().noneMatch(MODULES::containsKey);
        int topRank = onlyQkv ? fusedCount * r : r;
        double topAlpha = onlyQkv ? fusedCount * settings.alpha() : settings.alpha();
        ObjectNode c = JSON.createObjectNode();
        ObjectNode alphaPattern = c.objectNode();
        ObjectNode rankPattern = c.objectNode();
        if (!onlyQkv && fusedCount > 1) {
            rankPattern.put("c_attn", fusedCount * r);
            putNumber(alphaPattern, "c_attn", fusedCount * settings.alpha());
        }
        c.set("alpha_pattern", alphaPattern);
        c.put("base_model_name_or_path", baseModel);
        c.put("bias", "none");
        c.put("fan_in_fan_out", true);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        LoraSettings.Blocks blocks = settings.adaptedBlocks(shape);
        boolean allBlocks = blocks.from() == 0 && blocks.to() == shape.layers();
        if (allBlocks) {
            c.putNull("layers_pattern");
            c.putNull("layers_to_transform");
        } else {
            c.put("layers_pattern", "h");
            ArrayNode layers = c.putArray("layers_to_transform");
            for (int i = blocks.from(); i < blocks.to(); i++) {
                layers.add(i);
            }
        }
        putNumber(c, "lora_alpha", topAlpha);
        c.put("lora_dropout", settings.dropout());
        c.putNull("modules_to_save");
        c.put("peft_type", "LORA");
        c.put("r", topRank);
        c.set("rank_pattern", rankPattern);
        c.putNull("revision");
        ArrayNode targets = c.putArray("target_modules");
        if (fusedCount > 0) {
            targets.add("c_attn");
        }
        for (String t : LoraSettings.ALLOWED_TARGETS) {
            if (MODULES.containsKey(t) && settings.targets().contains(t)) {
                targets.add(MODULES.get(t));
            }
        }
        c.put("task_type", "CAUSAL_LM");
        c.put("use_rslora", false);
        try {
            return JSON.writeValueAsBytes(c);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An integral alpha as a JSON integer (as PEFT writes an int lora_alpha), else as a number. */
    private static void putNumber(ObjectNode node, String key, double value) {
        if (value == Math.rint(value) && Math.abs(value) < Integer.MAX_VALUE) {
            node.put(key, (int) value);
        } else {
            node.put(key, value);
        }
    }

    /**
     * Reads a PEFT LoRA folder for GPT-2 back as frozen adapters over blocks [0, L) of {@code shape}, fused c_attn
     * as the target {@link LoraAdapters#FUSED_QKV}, for inference with {@link io.fedsllm.nn.Gpt2Forward}. Every module
     * must share one scale lora_alpha / r (what {@link #write} produces); anything else is a {@link UserError} naming
     * the folder (and {@code manager} is closed).
     */
    public static LoraAdapters read(Path folder, ModelShape shape, NDManager manager) {
        try {
            return readFolder(folder, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static LoraAdapters readFolder(Path folder, NDManager manager) {
        JsonNode config;
        try {
            config = JSON.readTree(folder.resolve(CONFIG).toFile());
        } catch (IOException e) {
            throw new UserError("cannot read " + folder.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        if (!"LORA".equals(config.path("peft_type").asText()) || !config.path("fan_in_fan_out").asBoolean(false)
                || config.path("use_rslora").asBoolean(false)) {
            throw new UserError(folder.resolve(CONFIG) + ": expected peft_type LORA, fan_in_fan_out true (GPT-2 Conv1D), use_rslora false");
        }
        Map<String, SafeTensors.Tensor> raw = SafeTensors.read(folder.resolve(WEIGHTS));
        Map<String, SafeTensors.Tensor> factors = new LinkedHashMap<>();
        List<LoraAdapters.Site> sites = new ArrayList<>();
        Double scale = null;
        for (Map.Entry<String, SafeTensors.Tensor> e : raw.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(PREFIX) || !name.endsWith(".lora_A.weight") && !name.endsWith(".lora_B.weight")) {
                throw new UserError(folder.resolve(WEIGHTS) + ": tensor '" + name + "' is not " + PREFIX + "<i>.<module>.lora_A|B.weight");
            }
            if (name.endsWith(".lora_B.weight")) {
                continue; // read with its lora_A
            }
            String site = name.substring(PREFIX.length(), name.length() - ".lora_A.weight".length()); // "<i>.<module>"
            int dot = site.indexOf('.');
            int block = Integer.parseInt(site.substring(0, dot));
            String module = site.substring(dot + 1);
            String target = module.equals("attn.c_attn") ? LoraAdapters.FUSED_QKV : MODULES.entrySet().stream()
                    .filter(m -> m.getValue().equals(module)).map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> new UserError(folder + ": no GPT-2 module '" + module + "' to adapt"));
            SafeTensors.Tensor a = e.getValue();
            SafeTensors.Tensor b = raw.get(PREFIX + site + ".lora_B.weight");
            if (b == null) {
                throw new UserError(folder.resolve(WEIGHTS) + ": " + name + " without its lora_B");
            }
            int rank = (int) a.shape()[0];
            int in = (int) a.shape()[1];
            int out = (int) b.shape()[0];
            double moduleRank = pattern(config, "rank_pattern", module, config.path("r").asDouble());
            double s = pattern(config, "alpha_pattern", module, config.path("lora_alpha").asDouble()) / moduleRank;
            if (rank != moduleRank || scale != null && Math.abs(scale - s) > 1e-12 * scale) {
                throw new UserError(folder + ": module " + site + " has rank " + rank + " (config: " + moduleRank + ") and scale " + s
                        + "; this reader needs the config's rank and one scale for all modules (" + scale + ")");
            }
            scale = s;
            LoraAdapters.Site ours = new LoraAdapters.Site(block, target, in, out);
            sites.add(ours);
            factors.put(ours.nameA(), new SafeTensors.Tensor(new long[] {in, rank}, transpose(a.data(), rank, in)));
            factors.put(ours.nameB(), new SafeTensors.Tensor(new long[] {rank, out}, transpose(b.data(), out, rank)));
        }
        if (sites.isEmpty()) {
            throw new UserError(folder.resolve(WEIGHTS) + ": no " + PREFIX + "<i>.<module>.lora_A.weight tensor");
        }
        try {
            return LoraAdapters.ofFactors(sites, factors, config.path("r").asInt(), scale, manager);
        } catch (IllegalArgumentException e) {
            throw new UserError(folder + ": " + e.getMessage(), e);
        }
    }

    /** PEFT's pattern lookup: the value of the first key matching {@code (.*\.)?key$} against the module, else {@code fallback}. */
    private static double pattern(JsonNode config, String field, String module, double fallback) {
        for (Iterator<Map.Entry<String, JsonNode>> it = config.path(field).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (module.matches("(.*\\.)?(" + e.getKey() + ")")) {
                return e.getValue().asDouble();
            }
        }
        return fallback;
    }

    /** The transpose of a row-major [rows, cols] matrix. */
    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }
}
