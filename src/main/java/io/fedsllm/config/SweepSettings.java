package io.fedsllm.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sweep command's defaults ({@code fedsllm.planner.sweep}).
 *
 * @param seeds  seeds per value
 * @param values parameter name (as given to {@code --param}) → default values
 */
public record SweepSettings(int seeds, Map<String, List<Double>> values) {

    public static SweepSettings from(ConfigReader root) {
        ConfigReader r = root.section("planner").section("sweep");
        ConfigReader v = r.section("values");
        Map<String, List<Double>> m = new TreeMap<>();
        for (String key : v.keys()) {
            List<Double> values = v.getDoubleList(key);
            if (values.isEmpty()) {
                throw v.invalid(key, "expected a non-empty list of numbers");
            }
            m.put(key, List.copyOf(values));
        }
        return new SweepSettings(r.positiveInt("seeds"), Map.copyOf(m));
    }
}
