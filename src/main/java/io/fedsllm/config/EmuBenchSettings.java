package io.fedsllm.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The emulator scale benchmark ({@code fedsllm.emu.bench}): analytic runs of the given sizes.
 *
 * @param cases the runs to time
 */
public record EmuBenchSettings(List<Case> cases) {

    /** K clients, R global rounds, I local iterations, and the planner (bcd or equal). */
    public record Case(int clients, int rounds, int localIterations, String planner) {
        /** The {@code --set} overrides that make the configuration this case (subchannels = K on each link). */
        public List<String> overrides() {
            return List.of("emu.mode=analytic", "emu.progress=false", "emu.target-loss=null",
                    "system.clients=" + clients, "emu.rounds=" + rounds, "system.local-iterations=" + localIterations,
                    "emu.planner=" + planner, "radio.main.subchannels=" + clients, "radio.fed.subchannels=" + clients);
        }
    }

    public static EmuBenchSettings from(ConfigReader root) {
        ConfigReader r = root.section("emu").section("bench");
        List<Case> cases = new ArrayList<>();
        for (String c : r.getStringList("cases")) {
            String[] parts = c.split("/");
            try {
                if (parts.length != 4 || !List.of("bcd", "equal").contains(parts[3].trim())) {
                    throw new NumberFormatException();
                }
                Case parsed = new Case(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                        Integer.parseInt(parts[2].trim()), parts[3].trim());
                if (parsed.clients() < 1 || parsed.rounds() < 1 || parsed.localIterations() < 1) {
                    throw new NumberFormatException();
                }
                cases.add(parsed);
            } catch (NumberFormatException e) {
                throw r.invalid("cases", "entry '" + c + "': expected \"K/R/I/planner\" with K, R, I >= 1 and planner "
                        + "bcd or equal");
            }
        }
        if (cases.isEmpty()) {
            throw r.invalid("cases", "expected at least one \"K/R/I/planner\" case");
        }
        return new EmuBenchSettings(List.copyOf(cases));
    }
}
