package io.fedsllm.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The emulator scale benchmark ({@code fedsllm.emu.bench}): analytic runs of the given sizes.
 *
 * @param cases the runs to time
 */
public record EmuBenchSettings(List<Case> cases) {

    /**
     * K clients, R global rounds, I local iterations, the planner (bcd or equal) and N devices in the population (K
     * selected per round).
     */
    public record Case(int clients, int rounds, int localIterations, String planner, int devices) {
        /** The {@code --set} overrides that make the configuration this case (subchannels = K on each link). */
        public List<String> overrides() {
            return List.of("emu.mode=analytic", "emu.progress=false", "emu.target-loss=null",
                    "system.clients=" + clients, "emu.rounds=" + rounds, "system.local-iterations=" + localIterations,
                    "emu.planner=" + planner, "radio.main.subchannels=" + clients, "radio.fed.subchannels=" + clients,
                    "population.devices=" + devices);
        }
    }

    public static EmuBenchSettings from(ConfigReader root) {
        ConfigReader r = root.section("emu").section("bench");
        List<Case> cases = new ArrayList<>();
        for (String c : r.getStringList("cases")) {
            String[] parts = c.split("/");
            try {
                if (parts.length < 4 || parts.length > 5 || !List.of("bcd", "equal").contains(parts[3].trim())) {
                    throw new NumberFormatException();
                }
                int k = Integer.parseInt(parts[0].trim());
                Case parsed = new Case(k, Integer.parseInt(parts[1].trim()), Integer.parseInt(parts[2].trim()),
                        parts[3].trim(), parts.length == 5 ? Integer.parseInt(parts[4].trim()) : k);
                if (parsed.clients() < 1 || parsed.rounds() < 1 || parsed.localIterations() < 1
                        || parsed.devices() < parsed.clients()) {
                    throw new NumberFormatException();
                }
                cases.add(parsed);
            } catch (NumberFormatException e) {
                throw r.invalid("cases", "entry '" + c + "': expected \"K/R/I/planner\" or \"K/R/I/planner/N\" with K, R, "
                        + "I >= 1, planner bcd or equal, and N >= K devices");
            }
        }
        if (cases.isEmpty()) {
            throw r.invalid("cases", "expected at least one \"K/R/I/planner\" case");
        }
        return new EmuBenchSettings(List.copyOf(cases));
    }
}
