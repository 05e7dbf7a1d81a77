package io.fedsllm.plan;

import com.typesafe.config.Config;
import io.fedsllm.config.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Parameter sweeps of the planner (the analogues of the paper's Figs 5–8) and of the energy rank planner:
 * for every value and seed, the configuration is reloaded with the value and seed set, the scenario rebuilt and
 * round 0 planned.
 */
public final class Sweep {

    /** A sweepable parameter: its --param name, the config keys it sets and how it is shown. */
    public enum Param {
        BANDWIDTH("bandwidth", List.of("radio.main.bandwidth-hz", "radio.fed.bandwidth-hz"), "total bandwidth per link (MHz)", 1e-6, false),
        CLIENT_FLOPS_PER_CYCLE("client-flops-per-cycle", List.of("compute.client-flops-per-cycle"), "client FLOPs per cycle", 1, false),
        SERVER_FREQUENCY("server-frequency", List.of("compute.server-frequency-hz"), "main-server frequency (GHz)", 1e-9, false),
        PMAX("pmax", List.of("radio.pmax-dbm"), "client p_max (dBm)", 1, false),
        ENERGY_MAX("energy-max", List.of("planner.energy.energy-max-j"), "E_max (J)", 1, true),
        DELAY_MAX("delay-max", List.of("planner.energy.delay-max-s"), "T_max (s)", 1, true);

        public final String cliName;
        public final List<String> keys;
        public final String axisLabel;
        public final double axisScale;
        public final boolean energy;

        Param(String cliName, List<String> keys, String axisLabel, double axisScale, boolean energy) {
            this.cliName = cliName;
            this.keys = keys;
            this.axisLabel = axisLabel;
            this.axisScale = axisScale;
            this.energy = energy;
        }

        public static Param named(String name) {
            for (Param p : values()) {
                if (p.cliName.equals(name)) {
                    return p;
                }
            }
            throw new UserError("--param '" + name + "' is not a sweep parameter: expected one of "
                    + Arrays.stream(values()).map(p -> p.cliName).toList());
        }
    }

    /** Statistics of one scheme at one value over the seeds (total delay in s, or rank for the energy planner). */
    public record Row(String param, double value, String scheme, double mean, double min, double max, int seeds) {}

    /** The energy planner's scheme name in rows. */
    public static final String ENERGY_SCHEME = "energy-rank";

    private Sweep() {}

    /**
     * Runs the sweep.
     *
     * @param configFor builds the configuration for extra {@code path=value} overrides (CLI flags come first)
     * @param firstSeed seeds are firstSeed .. firstSeed + seeds − 1
     * @param progress  called once per (value, seed) done
     */
    public static List<Row> run(Param param, List<Double> values, long firstSeed, int seeds,
            Function<List<String>, Config> configFor, Runnable progress) {
        if (values.isEmpty()) {
            throw new UserError("--values: expected at least one value for --param " + param.cliName);
        }
        if (seeds < 1) {
            throw new UserError("--seeds " + seeds + ": expected >= 1");
        }
        List<Row> rows = new ArrayList<>();
        for (double value : values) {
            Map<String, double[]> samples = new java.util.LinkedHashMap<>();
            for (int s = 0; s < seeds; s++) {
                List<String> sets = new ArrayList<>();
                for (String key : param.keys) {
                    sets.add(key + "=" + format(value));
                }
                sets.add("seed=" + (firstSeed + s));
                PlanningScenario scenario = PlanningScenario.from(configFor.apply(sets));
                if (param.energy) {
                    int rank = EnergyRankPlanner.solve(scenario.energyProblem(0)).rank();
                    samples.computeIfAbsent(ENERGY_SCHEME, k -> new double[seeds])[s] = rank;
                } else {
                    for (Map.Entry<String, Plan> e : scenario.proposedAndBaselines(scenario.problem(0)).entrySet()) {
                        samples.computeIfAbsent(e.getKey(), k -> new double[seeds])[s] = e.getValue().totalDelaySeconds();
                    }
                }
                progress.run();
            }
            for (Map.Entry<String, double[]> e : samples.entrySet()) {
                double[] x = e.getValue();
                rows.add(new Row(param.cliName, value, e.getKey(), Arrays.stream(x).average().orElseThrow(),
                        Arrays.stream(x).min().orElseThrow(), Arrays.stream(x).max().orElseThrow(), seeds));
            }
        }
        return rows;
    }

    /** A value as HOCON: whole numbers without a fraction, others in Java's exact form. */
    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return Double.toString(v);
    }
}
