package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmuSettingsTest {

    private static EmuSettings read(String... sets) {
        return EmuSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        EmuSettings e = read();
        assertEquals(EmuSettings.Mode.REAL, e.mode());
        assertEquals(EmuSettings.Scheme.SFL, e.scheme());
        assertEquals(EmuSettings.StragglerPolicy.WAIT_ALL, e.stragglers());
        assertNull(e.targetLoss());
        assertEquals(Map.of(), e.slowdown());
        assertEquals(1.0, e.slowdown(3));
    }

    @Test
    void scriptedStragglersAndFaultsAreOpenMapsOfClientIds() {
        EmuSettings e = read("emu.slowdown.\"2\"=3.5", "emu.kill-at-round.\"4\"=1", "emu.target-loss=2.5");
        assertEquals(3.5, e.slowdown(2));
        assertEquals(Map.of(4, 1), e.killAtRound());
        assertEquals(2.5, e.targetLoss());
    }

    @Test
    void scriptedMapsIterateInClientIdOrder() {
        EmuSettings e = read("emu.kill-at-round.\"10\"=1", "emu.kill-at-round.\"2\"=0", "emu.kill-at-round.\"7\"=3",
                "emu.kill-at-round.\"0\"=2", "emu.kill-at-round.\"31\"=1", "emu.kill-at-round.\"5\"=4",
                "emu.slowdown.\"9\"=2", "emu.slowdown.\"1\"=3", "emu.slowdown.\"4\"=5", "emu.slowdown.\"12\"=1.5");
        assertEquals(List.of(0, 2, 5, 7, 10, 31), new ArrayList<>(e.killAtRound().keySet()));
        assertEquals(List.of(1, 4, 9, 12), new ArrayList<>(e.slowdown().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> e.slowdown().put(3, 2.0));
    }

    @Test
    void deadlinePolicyOutsideSflIsRejectedNamingBothKeys() {
        for (String scheme : List.of("sl", "fl", "centralized")) {
            ConfigError e = assertThrows(ConfigError.class,
                    () -> read("emu.straggler-policy=deadline", "emu.scheme=" + scheme));
            assertTrue(e.getMessage().contains("fedsllm.emu.straggler-policy") && e.getMessage().contains("fedsllm.emu.scheme")
                    && e.getMessage().contains("is " + scheme) && e.getMessage().contains("wait-all"), e.getMessage());
        }
        assertEquals(EmuSettings.StragglerPolicy.DEADLINE, read("emu.straggler-policy=deadline").stragglers());
    }

    @Test
    void shutdownTimeoutIsAPositiveDuration() {
        assertEquals(Duration.ofSeconds(30), read().shutdownTimeout());
        assertEquals(Duration.ofMillis(1500), read("emu.shutdown-timeout=1500ms").shutdownTimeout());
        ConfigError zero = assertThrows(ConfigError.class, () -> read("emu.shutdown-timeout=0s"));
        assertTrue(zero.getMessage().contains("fedsllm.emu.shutdown-timeout") && zero.getMessage().contains("positive"),
                zero.getMessage());
        assertThrows(ConfigError.class, () -> read("emu.shutdown-timeout=soon"));
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        ConfigError a = assertThrows(ConfigError.class, () -> read("emu.scheme=ring"));
        assertTrue(a.getMessage().contains("fedsllm.emu.scheme") && a.getMessage().contains("centralized"), a.getMessage());
        ConfigError b = assertThrows(ConfigError.class, () -> read("emu.slowdown.\"x\"=2"));
        assertTrue(b.getMessage().contains("client id"), b.getMessage());
        ConfigError c = assertThrows(ConfigError.class, () -> read("emu.slowdown.\"1\"=0"));
        assertTrue(c.getMessage().contains("a slow-down factor in [1e-6, 1e6]"), c.getMessage());
        ConfigError d = assertThrows(ConfigError.class, () -> read("emu.samples-min=10", "emu.samples-max=5"));
        assertTrue(d.getMessage().contains("samples-max"), d.getMessage());
        assertThrows(ConfigError.class, () -> read("emu.deadline-factor=-1"));
        assertThrows(ConfigError.class, () -> read("emu.kill-at-round.\"1\"=-2"));
        assertThrows(ConfigError.class, () -> read("emu.no-such-key=1"));
    }
}
