package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void setOverridesDefaultAndPrefixIsOptional() {
        Config c = ConfigLoader.withSets("seed=42", "fedsllm.lora.rank=8");
        assertEquals(42, c.getInt("fedsllm.seed"));
        assertEquals(8, c.getInt("fedsllm.lora.rank"));
    }

    @Test
    void bareCommaListBecomesListWhereDefaultIsList() {
        Config c = ConfigLoader.withSets("lora.targets=q,k,v");
        assertEquals(List.of("q", "k", "v"), c.getStringList("fedsllm.lora.targets"));
    }

    @Test
    void unknownKeyIsRejectedWithSuggestion() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("lora.rnak=8"));
        assertTrue(e.getMessage().contains("unknown config key 'fedsllm.lora.rnak'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'fedsllm.lora.rank'"), e.getMessage());
    }

    @Test
    void customModelPresetIsAllowed() {
        Config c = ConfigLoader.withSets("models.mine.layers=3", "models.mine.d-model=64", "models.mine.heads=4",
                "models.mine.d-ff=256", "models.mine.context=64", "models.mine.seq-len=32", "models.mine.vocab=259");
        assertEquals(3, c.getInt("fedsllm.models.mine.layers"));
        assertEquals(new ModelShape("mine", 3, 64, 4, 256, 64, 32, 259), ModelShape.named(ConfigReader.root(c), "mine"));
    }

    @Test
    void typoInAnExistingModelPresetIsRejectedWithTheNearestShapeKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("models.gpt2-small.d-modle=1024"));
        assertTrue(e.getMessage().contains("unknown config key 'fedsllm.models.gpt2-small.d-modle' in --set "
                + "models.gpt2-small.d-modle=1024"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'fedsllm.models.gpt2-small.d-model'"), e.getMessage());
        // A key below a shape key, and a preset given a plain value, are rejected too.
        ConfigError deeper = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("models.tiny.layers.x=1"));
        assertTrue(deeper.getMessage().contains("fedsllm.models.tiny.layers.x"), deeper.getMessage());
        ConfigError value = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("models.tiny=4"));
        assertTrue(value.getMessage().contains("is a model preset, not a value") && value.getMessage().contains("d-model"),
                value.getMessage());
    }

    @Test
    void newModelPresetNeedsEveryShapeKeyAndNoOther() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("models.mine.layers=3"));
        assertTrue(e.getMessage().contains("model preset 'fedsllm.models.mine' lacks [d-model, heads, d-ff, context, "
                + "seq-len, vocab]"), e.getMessage());
        ConfigError unknown = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("models.mine.depth=3"));
        assertTrue(unknown.getMessage().contains("unknown config key 'fedsllm.models.mine.depth'")
                && unknown.getMessage().contains("[layers, d-model, heads, d-ff, context, seq-len, vocab]"), unknown.getMessage());
    }

    @Test
    void unknownKeyFromAFileNamesValueFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mine.conf");
        Files.writeString(f, "fedsllm {\n  seed = 3\n  lora.rnak = 8\n}\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("unknown config key 'fedsllm.lora.rnak' = 8 in " + f + ", line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'fedsllm.lora.rank'"), e.getMessage());
        Files.writeString(f, "fedsllm.models.tiny {\n  d-model = 128\n  d-modle = 256\n}\n");
        ConfigError model = assertThrows(ConfigError.class, () -> ConfigLoader.load(f, List.of()));
        assertTrue(model.getMessage().contains("unknown config key 'fedsllm.models.tiny.d-modle' = 256 in " + f + ", line 3"),
                model.getMessage());
    }

    @Test
    void malformedFileIsRejectedNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "fedsllm { seed = \n lora { rank = [ }");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("malformed config file") && e.getMessage().contains("bad.conf"), e.getMessage());
    }

    @Test
    void wrongTypeNamesKeyValueAndExpectation() {
        Config c = ConfigLoader.withSets("lora.rank=\"four\"");
        ConfigError e = assertThrows(ConfigError.class, () -> LoraSettings.from(ConfigReader.root(c)));
        assertTrue(e.getMessage().contains("fedsllm.lora.rank") && e.getMessage().contains("four")
                && e.getMessage().contains("whole number"), e.getMessage());
    }

    @Test
    void modelPresetsReadAndUnknownModelListsPresets() {
        ConfigReader root = ConfigReader.root(ConfigLoader.withSets());
        ModelShape s = ModelShape.named(root, "gpt2-small");
        assertEquals(12, s.layers());
        assertEquals(768, s.dModel());
        ConfigError e = assertThrows(ConfigError.class, () -> ModelShape.named(root, "gpt5"));
        assertTrue(e.getMessage().contains("gpt2-medium"), e.getMessage());
    }
}
