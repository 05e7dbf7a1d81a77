package io.fedsllm.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The planner benchmark ({@code fedsllm.planner.bench}).
 *
 * @param repetitions timed solves per case (after one warm-up)
 * @param cases       problem sizes to time
 */
public record BenchSettings(int repetitions, List<Case> cases) {

    /** K clients, M main-link and N fed-link subchannels. */
    public record Case(int clients, int mainSubchannels, int fedSubchannels) {}

    public static BenchSettings from(ConfigReader root) {
        ConfigReader r = root.section("planner").section("bench");
        List<Case> cases = new ArrayList<>();
        for (String c : r.getStringList("cases")) {
            String[] parts = c.split("/");
            try {
                if (parts.length != 3) {
                    throw new NumberFormatException();
                }
                Case parsed = new Case(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                        Integer.parseInt(parts[2].trim()));
                if (parsed.clients() < 1 || parsed.mainSubchannels() < parsed.clients()
                        || parsed.fedSubchannels() < parsed.clients()) {
                    throw new NumberFormatException();
                }
                cases.add(parsed);
            } catch (NumberFormatException e) {
                throw r.invalid("cases", "entry '" + c + "': expected \"K/M/N\" with 1 <= K <= M and K <= N");
            }
        }
        if (cases.isEmpty()) {
            throw r.invalid("cases", "expected at least one \"K/M/N\" case");
        }
        return new BenchSettings(r.intInRange("repetitions", 1, 10_000), List.copyOf(cases));
    }
}
