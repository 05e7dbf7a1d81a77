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

/** Integer keys never round, every section is read by every command, and errors say where a value came from. */
class WholeNumbersAndOriginsTest {

    private static String rejected(String... sets) {
        return assertThrows(ConfigError.class, () -> ConfigValidation.all(ConfigReader.root(ConfigLoader.withSets(sets))))
                .getMessage();
    }

    @Test
    void aFractionIsRejectedWhereverAWholeNumberIsRead() {
        // set -> the key as the message names it
        for (String[] c : new String[][] {{"system.clients=5.7", "fedsllm.system.clients"},
            {"system.batch-size=2.9", "fedsllm.system.batch-size"}, {"lora.rank=1.5", "fedsllm.lora.rank"},
            {"train.steps=2.5", "fedsllm.train.steps"}, {"emu.rounds=1.5", "fedsllm.emu.rounds"},
            {"planner.ranks=[1,2.5]", "fedsllm.planner.ranks"}, {"report.chart-width-px=800.5", "fedsllm.report.chart-width-px"},
            {"models.tiny.layers=4.5", "fedsllm.models.\"tiny\".layers"},
            {"emu.kill-at-round.\"1\"=0.5", "fedsllm.emu.kill-at-round.\"1\""}, {"seed=1.5", "fedsllm.seed"}}) {
            String message = rejected(c[0]);
            assertTrue(message.contains("config key '" + c[1] + "'") && message.contains("whole number"), c[0] + " -> " + message);
        }
    }

    @Test
    void wholeValuedNumbersAndNumericStringsAreAccepted() {
        ConfigReader root = ConfigReader.root(ConfigLoader.withSets("system.clients=5.0", "system.batch-size=\"7\"", "seed=1e3"));
        SystemSettings s = SystemSettings.from(root);
        assertEquals(5, s.clients());
        assertEquals(7, s.batchSize());
        assertEquals(1000, root.getLong("seed"));
        assertEquals(Long.MAX_VALUE, ConfigReader.root(ConfigLoader.withSets("seed=9223372036854775807")).getLong("seed"));
    }

    @Test
    void valuesBeyondTheRangeOfTheirTypeAreRejectedNotSaturated() {
        assertTrue(rejected("seed=1e30").contains("fedsllm.seed"));
        assertTrue(rejected("system.clients=3000000000").contains("a whole number (32-bit)"));
    }

    @Test
    void aValueSetByAFlagIsReportedAsTheFlagTheUserTyped() {
        Config c = ConfigLoader.load(null, List.of("system.clients=3"), List.of(new ConfigLoader.Flag("--clients 0",
                "system.clients", 0)));
        String message = assertThrows(ConfigError.class, () -> SystemSettings.from(ConfigReader.root(c))).getMessage();
        assertTrue(message.startsWith("--clients 0 (config key 'fedsllm.system.clients'): expected a whole number >= 1"),
                message);
        assertEquals("--clients 0", ConfigReader.root(c).section("system").source("clients"));
        assertEquals("fedsllm.system.batch-size = 16", ConfigReader.root(c).section("system").source("batch-size"));
    }

    @Test
    void aFileMayHoldPekkoKeysButNoOtherRoot(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.conf");
        Files.writeString(ok, "pekko.loglevel = \"DEBUG\"\nfedsllm.seed = 4\n");
        assertEquals("DEBUG", ConfigLoader.load(ok, List.of()).getString("pekko.loglevel"));
        Path bare = dir.resolve("bare.conf");
        Files.writeString(bare, "emu {\n  rounds = 2\n}\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(bare, List.of()));
        assertTrue(e.getMessage().contains("config key 'emu.rounds' = 2 in " + bare + ", line 2 is outside 'fedsllm'")
                && e.getMessage().contains("did you mean 'fedsllm.emu.rounds'?"), e.getMessage());
        Path flat = dir.resolve("flat.conf");
        Files.writeString(flat, "fedsllm = 5\n");
        ConfigError section = assertThrows(ConfigError.class, () -> ConfigLoader.load(flat, List.of()));
        assertTrue(section.getMessage().contains("'fedsllm'") && section.getMessage().contains("is a section, not a value"),
                section.getMessage());
    }
}
