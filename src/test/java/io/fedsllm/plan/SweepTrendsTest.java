package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.SweepSettings;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The paper's Figures 5-8 trends over the default sweep values (planner.sweep.values) and seeds. */
class SweepTrendsTest {

    private static final SweepSettings SWEEP = SweepSettings.from(ConfigReader.root(ConfigLoader.withSets()));

    /** value → scheme → mean total delay (s). */
    private static Map<Double, Map<String, Double>> means(Sweep.Param param) {
        List<Sweep.Row> rows = Sweep.run(param, SWEEP.values().get(param.cliName), 1, SWEEP.seeds(),
                sets -> ConfigLoader.withSets(sets.toArray(String[]::new)), () -> { });
        Map<Double, Map<String, Double>> byValue = new TreeMap<>();
        for (Sweep.Row r : rows) {
            byValue.computeIfAbsent(r.value(), v -> new TreeMap<>()).put(r.scheme(), r.mean());
        }
        return byValue;
    }

    @Test
    void delayFallsWithBandwidthFlopsServerFrequencyAndPmax() {
        for (Sweep.Param param : List.of(Sweep.Param.BANDWIDTH, Sweep.Param.CLIENT_FLOPS_PER_CYCLE,
                Sweep.Param.SERVER_FREQUENCY, Sweep.Param.PMAX)) {
            double previous = Double.POSITIVE_INFINITY;
            StringBuilder log = new StringBuilder(param.cliName);
            for (Map.Entry<Double, Map<String, Double>> e : means(param).entrySet()) {
                double proposed = e.getValue().get("proposed");
                log.append(String.format(Locale.ROOT, "  %g: %.0f s", e.getKey(), proposed));
                assertTrue(proposed < previous, "delay does not fall with " + log);
                for (String baseline : List.of("a", "b", "c", "d")) {
                    assertTrue(proposed <= e.getValue().get(baseline), baseline + " below proposed at " + log);
                }
                previous = proposed;
            }
            System.out.println(log);
        }
    }

    @Test
    void theGapToBaselineBNarrowsAsBandwidthGrows() {
        double previousGap = Double.POSITIVE_INFINITY;
        for (Map.Entry<Double, Map<String, Double>> e : means(Sweep.Param.BANDWIDTH).entrySet()) {
            double gap = e.getValue().get("b") - e.getValue().get("proposed");
            assertTrue(gap > 0 && gap < previousGap, "gap to b at " + e.getKey() + " Hz: " + gap + " s, before " + previousGap);
            previousGap = gap;
        }
    }
}
