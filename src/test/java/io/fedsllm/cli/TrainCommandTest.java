package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pretrain and train commands end to end on a very small configuration (2 pre-training steps, 3 LoRA steps). */
class TrainCommandTest {
    @TempDir
    Path dir;

    List<String> small() {
        List<String> a = new ArrayList<>();
        for (String s : List.of("pretrain.cache-dir=" + dir.resolve("cache"), "pretrain.steps=2", "pretrain.batch-size=2",
                "data.synthetic.train-mrs=20", "data.synthetic.validation-mrs=4", "data.synthetic.test-mrs=2",
                "data.pretrain.documents=50", "train.batch-size=2", "train.eval-every=2", "train.eval-examples=4",
                "train.generation-mrs=2", "train.max-new-tokens=3")) {
            a.add("--set");
            a.add(s);
        }
        return a;
    }

    static String run(List<String> args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args.toArray(String[]::new)));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pretrainCachesTheBaseAndTrainReportsJson() throws Exception {
        List<String> pre = new ArrayList<>(List.of("pretrain"));
        pre.addAll(small());
        assertTrue(run(pre).startsWith("pre-trained base 'tiny'"));
        assertTrue(Files.isRegularFile(dir.resolve("cache/base-tiny/manifest.json")));
        assertTrue(run(pre).startsWith("found cached base 'tiny'"), "the second run uses the cache");

        Path lora = dir.resolve("out/lora.safetensors");
        List<String> train = new ArrayList<>(List.of("train", "--steps", "3", "--split-layer", "2", "--json", "--save-lora", lora.toString()));
        train.addAll(small());
        JsonNode j = new ObjectMapper().readTree(run(train));
        for (String f : List.of("valLossStart", "valLossEnd", "valPerplexityEnd", "bleu", "rougeL", "slotErrorRate",
                "slotErrorRateStart", "stepsPerSecond", "tokensPerSecond")) {
            assertTrue(j.get(f).isNumber(), f);
        }
        assertEquals(3, j.get("steps").asInt());
        assertEquals(2, j.get("splitLayer").asInt());
        assertEquals(List.of(0, 2, 3), List.of(j.get("valLossCurve").get(0).get("step").asInt(),
                j.get("valLossCurve").get(1).get("step").asInt(), j.get("valLossCurve").get(2).get("step").asInt()));
        assertTrue(j.get("base").asText().startsWith("cached pre-trained base"));
        assertEquals(lora.toString(), j.get("savedLora").asText());
        assertEquals("tiny", io.fedsllm.nn.SafeTensors.metadata(Files.readAllBytes(lora), lora.toString()).get("model"));
        Path peft = dir.resolve("out/lora-peft");
        assertEquals(peft.toString(), j.get("savedPeft").asText(), "the PEFT folder is named after the file");
        assertTrue(Files.isRegularFile(peft.resolve("adapter_model.safetensors")) && Files.isRegularFile(peft.resolve("adapter_config.json")));
        assertEquals(dir.resolve("cache/base-tiny").toString(),
                new ObjectMapper().readTree(peft.resolve("adapter_config.json").toFile()).get("base_model_name_or_path").asText());
    }

    @Test
    void badSplitLayerIsAUserError() {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(Main.USER_ERROR, Main.run("train", "--split-layer", "4"));
            assertEquals(Main.USER_ERROR, Main.run("train", "--scheme", "fedavg"));
            assertEquals(Main.USER_ERROR, Main.run("train", "--save-lora", dir.toString()));
        } finally {
            System.setErr(old);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--split-layer 4: expected a block boundary in [1, 3]"), err.toString());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--save-lora " + dir + " is a directory"), err.toString());
    }
}
