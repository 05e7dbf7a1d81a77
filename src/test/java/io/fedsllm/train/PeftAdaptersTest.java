package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.nn.Gpt2Forward;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.LoraDropout;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PEFT export ({@code train --save-lora}): loaded back into the project's GPT-2 forward as a fused c_attn adapter
 * it gives the trained model's logits, and adapter_config.json holds exactly the fields PEFT's LoraConfig needs.
 */
public class PeftAdaptersTest {
    @TempDir
    Path dir;

    /** The fields written: each one PEFT's LoraConfig reads, nothing a PEFT version before 0.7 would not know. */
    static final Set<String> CONFIG_KEYS = new TreeSet<>(List.of("alpha_pattern", "base_model_name_or_path", "bias", "fan_in_fan_out",
            "inference_mode", "init_lora_weights", "layers_pattern", "layers_to_transform", "lora_alpha", "lora_dropout",
            "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_rslora"));

    Config config(String... extra) {
        List<String> sets = new ArrayList<>(List.of("train.steps=3", "train.eval-every=2", "train.eval-examples=4",
                "train.generation-mrs=1", "train.max-new-tokens=2"));
        sets.addAll(List.of(extra));
        return SmallTraining.config(dir.resolve("cache"), sets.toArray(String[]::new));
    }

    /** Logits [B·T·V] of the base with {@code lora} (null = the base alone) on the first validation examples. */
    static float[] logits(ModelShape shape, ParamSet base, LoraAdapters lora, TrainContext ctx, Config c) {
        TokenBatch b = TokenBatch.promptCompletion(TrainData.load(c).validationExamples().subList(0, 3), ctx.tokenizer(),
                shape.seqLen());
        Gpt2Forward f = new Gpt2Forward(shape, base, lora);
        try (NDManager step = f.openStep()) {
            return f.logits(step, b.inputs(), LoraDropout.NONE).toFloatArray();
        }
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /**
     * The PEFT folder's adapters against {@code lora} (every adapted block of [0, L)) on the base of {@code c}: max
     * |logit diff| between the two, and between {@code lora} and the base alone (how much the adapters matter).
     */
    public static double[] logitGaps(Config c, LoraBlocks lora, Path folder) {
        try (TrainContext ctx = TrainContext.create(c)) {
            ModelShape shape = ctx.shape();
            try (LoraAdapters trained = lora.toAdapters(shape, ctx.lora(), 0, shape.layers(), NDManager.newBaseManager());
                 LoraAdapters peft = PeftAdapters.read(folder, shape, NDManager.newBaseManager());
                 ParamSet base = ctx.base().copy(ctx.base().names(), NDManager.newBaseManager())) {
                assertTrue(peft.sites().stream().noneMatch(s -> List.of("q", "k", "v").contains(s.target())),
                        "q, k, v come back as one fused c_attn adapter");
                float[] want = logits(shape, base, trained, ctx, c);
                return new double[] {maxDiff(want, logits(shape, base, peft, ctx, c)),
                        maxDiff(want, logits(shape, base, null, ctx, c))};
            }
        }
    }

    /** Writes {@code lora} as PEFT, reads it back, and compares the logits with the adapters' own (and the base's). */
    static JsonNode roundTrip(Config c, LoraBlocks lora, Path folder) throws Exception {
        ConfigReader root = ConfigReader.root(c);
        try (TrainContext ctx = TrainContext.create(c)) {
            PeftAdapters.write(lora, ctx.shape(), ctx.lora(), "base-folder", folder);
        }
        double[] gaps = logitGaps(c, lora, folder);
        assertTrue(gaps[0] <= 1e-5, LoraSettings.from(root).targets() + ": PEFT adapters vs trained, max |logit diff| " + gaps[0]);
        assertTrue(gaps[1] > 1e-2, "the adapters change the logits (" + gaps[1] + "), so the comparison can fail");
        System.out.printf("PEFT round trip %s: max |logit diff| %.3g (the adapters move the logits by %.3g)%n",
                LoraSettings.from(root).targets(), gaps[0], gaps[1]);
        return new ObjectMapper().readTree(folder.resolve(PeftAdapters.CONFIG).toFile());
    }

    static Set<String> keys(JsonNode n) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void trainSaveLoraWritesAPeftFolderThatGivesTheTrainedModelsLogits() throws Exception {
        Config c = config();
        ConfigReader root = ConfigReader.root(c);
        Path file = dir.resolve("out/lora.safetensors");
        CentralizedTraining.Outcome o = CentralizedTraining.run(root, 2, file, TrainProgress.NONE);
        Path folder = dir.resolve("out/lora-peft");
        assertEquals(folder, PeftAdapters.folderFor(file));
        JsonNode cfg = roundTrip(c, o.lora(), dir.resolve("again"));
        assertEquals(Files.readString(folder.resolve(PeftAdapters.CONFIG)).replace(dir.resolve("cache/base-mini").toString(), "base-folder"),
                Files.readString(dir.resolve("again").resolve(PeftAdapters.CONFIG)), "train wrote the same config (its base folder aside)");
        assertTrue(Arrays.equals(Files.readAllBytes(folder.resolve(PeftAdapters.WEIGHTS)),
                Files.readAllBytes(dir.resolve("again").resolve(PeftAdapters.WEIGHTS))), "and the same tensors");

        // adapter_config.json: exactly these fields, with the values PEFT needs for GPT-2 (targets q, v, o, fc; rank 4).
        assertEquals(CONFIG_KEYS, keys(cfg));
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
        assertTrue(cfg.get("fan_in_fan_out").asBoolean(), "GPT-2's Conv1D stores [in, out]");
        assertEquals("none", cfg.get("bias").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertTrue(cfg.get("lora_alpha").isInt());
        assertEquals(32, cfg.get("lora_alpha").asInt());
        assertEquals(0.0, cfg.get("lora_dropout").asDouble(), 0);
        assertEquals("[\"c_attn\",\"attn.c_proj\",\"mlp.c_fc\"]", cfg.get("target_modules").toString());
        assertEquals("{\"c_attn\":8}", cfg.get("rank_pattern").toString(), "q and v fused: rank 2r");
        assertEquals("{\"c_attn\":64}", cfg.get("alpha_pattern").toString(), "alpha 2·32 keeps the scale 32/4");
        assertTrue(cfg.get("layers_to_transform").isNull() && cfg.get("layers_pattern").isNull(), "every block adapted");
        assertEquals("base-folder", cfg.get("base_model_name_or_path").asText());
        assertTrue(cfg.get("inference_mode").asBoolean() && !cfg.get("use_rslora").asBoolean());
        assertTrue(cfg.get("modules_to_save").isNull() && cfg.get("revision").isNull());

        // adapter_model.safetensors: PEFT's names and torch Linear shapes; the k rows of the fused B are zero.
        Map<String, SafeTensors.Tensor> t = SafeTensors.read(folder.resolve(PeftAdapters.WEIGHTS));
        assertEquals(4 * 3 * 2, t.size(), "4 blocks x (c_attn, attn.c_proj, mlp.c_fc) x (A, B)");
        String p = "base_model.model.transformer.h.0.";
        assertEquals("[8, 32]", Arrays.toString(t.get(p + "attn.c_attn.lora_A.weight").shape()));
        assertEquals("[96, 8]", Arrays.toString(t.get(p + "attn.c_attn.lora_B.weight").shape()));
        assertEquals("[4, 32]", Arrays.toString(t.get(p + "attn.c_proj.lora_A.weight").shape()));
        assertEquals("[64, 4]", Arrays.toString(t.get(p + "mlp.c_fc.lora_B.weight").shape()));
        float[] b = t.get(p + "attn.c_attn.lora_B.weight").data();
        double kRows = 0;
        double qRows = 0;
        for (int row = 0; row < 32; row++) {
            for (int j = 0; j < 8; j++) {
                qRows += Math.abs(b[row * 8 + j]);
                kRows += Math.abs(b[(32 + row) * 8 + j]);
            }
        }
        assertEquals(0, kRows, 0, "k is not adapted");
        assertTrue(qRows > 0, "three training steps moved q's B");
        assertEquals("pt", SafeTensors.metadata(Files.readAllBytes(folder.resolve(PeftAdapters.WEIGHTS)), "peft").get("format"));
    }

    @Test
    void everyTargetMixAndABlockRangeRoundTrip() throws Exception {
        String[][] cases = {
                {"lora.targets=[q,v]"},
                {"lora.targets=[q,k,v,o,fc,proj]", "lora.rank=3", "lora.alpha=7.5"},
                {"lora.targets=[k,proj]", "lora.blocks=[1,3]"}};
        JsonNode[] cfg = new JsonNode[cases.length];
        for (int i = 0; i < cases.length; i++) {
            Config c = config(cases[i]);
            try (TrainContext ctx = TrainContext.create(c)) {
                LoraSettings l = ctx.lora();
                LoraBlocks lora = SmallTraining.randomLora(ctx, l.rank(), 0, SmallTraining.LAYERS, 40 + i);
                cfg[i] = roundTrip(c, lora, dir.resolve("case" + i));
                assertEquals(CONFIG_KEYS, keys(cfg[i]));
            }
        }
        assertEquals(8, cfg[0].get("r").asInt(), "only c_attn: the fused rank 2r is the config's r");
        assertEquals(64, cfg[0].get("lora_alpha").asInt());
        assertEquals("{}", cfg[0].get("rank_pattern").toString());
        assertEquals("[\"c_attn\"]", cfg[0].get("target_modules").toString());
        assertEquals(3, cfg[1].get("r").asInt());
        assertEquals(7.5, cfg[1].get("lora_alpha").asDouble(), 0);
        assertEquals("{\"c_attn\":9}", cfg[1].get("rank_pattern").toString());
        assertEquals("{\"c_attn\":22.5}", cfg[1].get("alpha_pattern").toString());
        assertEquals("[\"c_attn\",\"attn.c_proj\",\"mlp.c_fc\",\"mlp.c_proj\"]", cfg[1].get("target_modules").toString());
        assertEquals("[1,2]", cfg[2].get("layers_to_transform").toString());
        assertEquals("h", cfg[2].get("layers_pattern").asText());
        assertEquals("{}", cfg[2].get("rank_pattern").toString(), "k alone: a rank-r c_attn adapter");
        assertEquals("[\"c_attn\",\"mlp.c_proj\"]", cfg[2].get("target_modules").toString());
    }
}
