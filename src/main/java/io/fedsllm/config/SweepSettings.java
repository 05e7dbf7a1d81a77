package io.fedsllm.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Default {@code --values} of the sweep command per parameter ({@code fedsllm.planner.sweep}).
 *
 * @param defaults parameter name (as given to {@code --param}) → values
 */
public record SweepSettings(Map<String, List<Double>> defaults) {

    public static SweepSettings from(ConfigReader root) {
        ConfigReader r = root.section("planner").section("sweep");
        Map<String, List<Double>> m = new TreeMap<>();
        for (String key : r.keys()) {
            List<Double> values = r.getDoubleList(key);
            if (values.isEmpty()) {
                throw r.invalid(key, "expected a non-empty list of numbers");
            }
            m.put(key, List.copyOf(values));
        }
        return new SweepSettings(Map.copyOf(m));
    }
}
