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
        Config c = ConfigLoader.withSets("models.mine.layers=3");
        assertEquals(3, c.getInt("fedsllm.models.mine.layers"));
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
