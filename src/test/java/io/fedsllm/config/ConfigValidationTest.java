package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.cost.CostModels;
import io.fedsllm.net.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the geometry, radio, compute and cost sections: every message names key, value and what is allowed. */
class ConfigValidationTest {

    /** Loads defaults + sets, builds the settings with {@code read}, and returns the error message. */
    private static String rejected(Function<ConfigReader, ?> read, String... sets) {
        ConfigError e = assertThrows(ConfigError.class, () -> read.apply(ConfigReader.root(ConfigLoader.withSets(sets))));
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "message lacks '" + p + "': " + message);
        }
    }

    @Test
    void blankOutputDirectoriesAreRejected() {
        assertMentions(rejected(EmuSettings::from, "emu.out-dir=\"  \""), "fedsllm.emu.out-dir", "a non-empty directory path");
        assertMentions(rejected(root -> root.section("report").directoryPath("out-dir"), "report.out-dir=\"\""),
                "fedsllm.report.out-dir", "a non-empty directory path");
    }

    @Test
    void defaultsAreValid() {
        ConfigReader root = ConfigReader.root(ConfigLoader.withSets());
        GeometrySettings g = GeometrySettings.from(root);
        assertEquals(200.0, g.discRadiusM(), 0);
        RadioSettings r = RadioSettings.from(root);
        assertEquals(160, r.main().subchannels());
        assertEquals(80, r.fed().subchannels());
        assertNull(r.main().pthDbm());
        assertEquals(RadioSettings.Shadowing.PER_ROUND, r.shadowing());
        assertEquals(RadioSettings.Fading.NONE, r.fading());
        assertEquals(1024.0, ComputeSettings.from(root).clientFlopsPerCycle(), 0);
        CostSettings c = CostSettings.from(root);
        assertEquals(CostSettings.Mode.DERIVED, c.mode());
        assertEquals("gpt2-small", c.model().name());
    }

    @Test
    void unknownKeyIsRejectedWithTheNearestKnownKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.withSets("radio.main.bandwith-hz=10e6"));
        assertMentions(e.getMessage(), "fedsllm.radio.main.bandwith-hz", "10e6", "did you mean 'fedsllm.radio.main.bandwidth-hz'");
    }

    @Test
    void wrongTypeIsRejected() {
        assertMentions(rejected(RadioSettings::from, "radio.main.subchannels=\"many\""),
                "fedsllm.radio.main.subchannels", "many", "whole number");
        assertMentions(rejected(RadioSettings::from, "radio.fed.pth-dbm=high"), "fedsllm.radio.fed.pth-dbm", "high", "a number");
    }

    @Test
    void negativeBandwidthIsRejected() {
        assertMentions(rejected(RadioSettings::from, "radio.main.bandwidth-hz=-20e6"),
                "fedsllm.radio.main.bandwidth-hz", "-20e6", "a bandwidth in Hz in [1000, 1e12]");
    }

    @Test
    void zeroClientsIsRejected() {
        assertMentions(rejected(RadioSettings::from, "system.clients=0"), "fedsllm.system.clients", "= 0", ">= 1");
        ConfigError e = assertThrows(ConfigError.class, () -> Deployment.from(ConfigLoader.withSets("system.clients=0")));
        assertMentions(e.getMessage(), "fedsllm.system.clients");
    }

    @Test
    void moreClientsThanSubchannelsIsRejected() {
        // 100 clients fit the 160 main subchannels but not the 80 fed subchannels.
        assertMentions(rejected(RadioSettings::from, "system.clients=100"),
                "fedsllm.radio.fed.subchannels", "= 80", ">= fedsllm.system.clients = 100", "at least one subchannel");
        assertMentions(rejected(RadioSettings::from, "radio.main.subchannels=4"),
                "fedsllm.radio.main.subchannels", "= 4", ">= fedsllm.system.clients = 5");
    }

    @Test
    void nonFinitePmaxIsRejected() {
        // HOCON reads Infinity and NaN as strings that convert to doubles, and 1e400 as a number that overflows to
        // Infinity: all three must be rejected, not turned into an infinite power budget.
        for (String v : List.of("Infinity", "-Infinity", "NaN", "1e400")) {
            assertMentions(rejected(RadioSettings::from, "radio.pmax-dbm=" + v), "fedsllm.radio.pmax-dbm", v, "a finite number");
        }
    }

    @Test
    void negativeShadowingSigmaIsRejected() {
        assertMentions(rejected(RadioSettings::from, "radio.shadowing-sigma-db=-1"),
                "fedsllm.radio.shadowing-sigma-db", "-1", "a standard deviation in dB in [0, 30]");
    }

    @Test
    void badEnumValuesAreRejectedListingTheChoices() {
        assertMentions(rejected(RadioSettings::from, "radio.shadowing=sometimes"),
                "fedsllm.radio.shadowing", "sometimes", "[per-round, quasi-static]");
        assertMentions(rejected(RadioSettings::from, "radio.fading=rician"), "fedsllm.radio.fading", "rician", "[none, rayleigh]");
        assertMentions(rejected(CostSettings::from, "cost.mode=measured"), "fedsllm.cost.mode", "measured", "[derived, paper-table]");
    }

    @Test
    void minDistanceAtOrBeyondTheRadiusIsRejected() {
        assertMentions(rejected(GeometrySettings::from, "geometry.min-distance-m=200"),
                "fedsllm.geometry.min-distance-m", "200", "< geometry.disc-radius-m = 200");
        assertMentions(rejected(GeometrySettings::from, "geometry.disc-radius-m=0"), "fedsllm.geometry.disc-radius-m", "a distance in m in [1, 1e5]");
        assertMentions(rejected(GeometrySettings::from, "geometry.main-server-offset-m=-5"),
                "fedsllm.geometry.main-server-offset-m", "-5", "a distance in m in [0, 1e5]");
    }

    @Test
    void computeRangesAreChecked() {
        assertMentions(rejected(ComputeSettings::from, "compute.client-frequency-max-hz=0.5e9"),
                "fedsllm.compute.client-frequency-max-hz", "0.5e9", ">= compute.client-frequency-min-hz");
        assertMentions(rejected(ComputeSettings::from, "compute.server-flops-per-cycle=0"),
                "fedsllm.compute.server-flops-per-cycle", "FLOPs per cycle in [1, 1e9]");
    }

    @Test
    void costSectionIsChecked() {
        assertMentions(rejected(CostSettings::from, "cost.model=gpt5"), "unknown model 'gpt5'", "gpt2-small");
        assertMentions(rejected(CostSettings::from, "cost.mode=paper-table", "cost.model=tiny"),
                "fedsllm.cost.model", "tiny", "gpt2-small", "derived");
        assertMentions(rejected(CostSettings::from, "cost.activation-bits=0"), "fedsllm.cost.activation-bits", "[1, 64]");
        assertMentions(rejected(CostSettings::from, "cost.paper-table.attention-gflop=-1"),
                "fedsllm.cost.paper-table.attention-gflop", "GFLOP per mini-batch in [0, 1e9]");
        ConfigError e = assertThrows(ConfigError.class, () -> CostModels.from(ConfigLoader.withSets("system.batch-size=0")));
        assertMentions(e.getMessage(), "fedsllm.system.batch-size", ">= 1");
    }

    @Test
    void emptyRankSetIsRejected() {
        // The planner's rank set, read from the loaded configuration the way every command reads it.
        assertMentions(rejected(PlannerSettings::from, "planner.ranks=[]"), "fedsllm.planner.ranks", "[]", "non-empty list",
                "[1, 1024]");
    }

    @Test
    void chartSizeIsCheckedAndShippedFromApplicationConf() {
        assertEquals(new ChartSettings(800, 560), ChartSettings.from(ConfigReader.root(ConfigLoader.withSets())));
        assertEquals(ChartSettings.shipped(), ChartSettings.from(ConfigReader.root(ConfigLoader.withSets())));
        assertMentions(rejected(ChartSettings::from, "report.chart-width-px=0"), "fedsllm.report.chart-width-px", "0",
                "[200, 10000]");
        assertMentions(rejected(ChartSettings::from, "report.chart-height-px=1.5"), "fedsllm.report.chart-height-px", "1.5",
                "whole number");
    }

    @Test
    void malformedFileIsRejectedNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("radio.conf");
        Files.writeString(f, "fedsllm.radio { pmax-dbm = 23\n main { bandwidth-hz = }\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(f, List.of()));
        assertMentions(e.getMessage(), "malformed config file", "radio.conf");
    }

    @Test
    void badValueFromAFileNamesFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("radio.conf");
        Files.writeString(f, "fedsllm.radio {\n  pmax-dbm = 23\n  fed.bandwidth-hz = -1\n}\n");
        Config c = ConfigLoader.load(f, List.of());
        ConfigError e = assertThrows(ConfigError.class, () -> RadioSettings.from(ConfigReader.root(c)));
        assertMentions(e.getMessage(), "fedsllm.radio.fed.bandwidth-hz", "-1", "radio.conf: 3", "[1000, 1e12]");
    }

    @Test
    void explicitPthIsAccepted() {
        RadioSettings r = RadioSettings.from(ConfigReader.root(ConfigLoader.withSets("radio.main.pth-dbm=27")));
        assertEquals(27.0, r.main().pthDbm(), 0);
        assertNull(r.fed().pthDbm());
    }
}
