package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.report.RoundRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class EmulatorTest {

    static Config config(String... sets) {
        String[] base = {"emu.progress=false", "radio.shadowing=quasi-static"};
        String[] all = new String[base.length + sets.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(sets, 0, all, base.length, sets.length);
        return ConfigLoader.withSets(all);
    }

    @Test
    void roundLatencyEqualsAnalyticModel() {
        RunResult r = Emulator.run(config("emu.rounds=3"), RunSink.NONE);
        assertEquals(3, r.rounds().size());
        for (RoundRecord rec : r.rounds()) {
            double rel = Math.abs(rec.durationS() - rec.plannedRoundS()) / rec.plannedRoundS();
            assertTrue(rel < 1e-9, "round " + rec.round() + ": emulated " + rec.durationS() + " s vs model "
                    + rec.plannedRoundS() + " s");
            assertEquals(rec.durationS(), rec.breakdown().sumS(), 1e-9 * rec.durationS());
        }
        System.out.println(r);
    }
}
