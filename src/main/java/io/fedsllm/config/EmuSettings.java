package io.fedsllm.config;

import java.time.Duration;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The actor emulator ({@code fedsllm.emu}): what to run, for how long, and the scripted stragglers and faults.
 *
 * @param mode             real tensors (DJL, package train) or sizes only with compute delays from the cost model
 * @param scheme           training scheme, all on the same virtual clock
 * @param rounds           global rounds limit
 * @param targetLoss       stop once the validation loss is at or below this; null = rounds limit only
 * @param planner          per-round resource planner
 * @param stragglers       what the main server does with late activations
 * @param deadlineFactor   deadline policy: an iteration's deadline is its start + factor × the plan's T1
 * @param computeDelay     modelled (cost model) or measured wall time × measuredScale
 * @param measuredScale    virtual seconds per measured wall second (computeDelay = measured)
 * @param samplesMin       analytic mode: |D_k| is drawn uniform in [samplesMin, samplesMax] per client
 * @param samplesMax       see samplesMin
 * @param outDir           where a run writes its outputs
 * @param progress         show a progress bar and per-round lines on stderr
 * @param slowdown         client id → compute slow-down factor (≥ 1 slows down), ascending ids
 * @param killAtRound      client id → global round (0-based) at whose start the client actor is stopped, ascending ids
 * @param shutdownTimeout  how long the end of a run waits for the actor system to terminate (wall time)
 */
public record EmuSettings(Mode mode, Scheme scheme, int rounds, Double targetLoss, PlannerChoice planner,
        StragglerPolicy stragglers, double deadlineFactor, ComputeDelay computeDelay, double measuredScale,
        int samplesMin, int samplesMax, String outDir, boolean progress, SortedMap<Integer, Double> slowdown,
        SortedMap<Integer, Integer> killAtRound, Duration shutdownTimeout) {

    public enum Mode { REAL, ANALYTIC }

    public enum Scheme { SFL, SL, FL, CENTRALIZED }

    public enum PlannerChoice {
        /** The block-coordinate-descent planner of SYSTEM_MODEL §6. */
        BCD,
        /** Round-robin equal subchannels with exact power control, split and rank exhaustive (cheap at large K). */
        EQUAL
    }

    public enum StragglerPolicy { WAIT_ALL, DEADLINE }

    public enum ComputeDelay { MODEL, MEASURED }

    public static EmuSettings from(ConfigReader root) {
        ConfigReader r = root.section("emu");
        Double target = null;
        if (!r.config().getIsNull(r.key("target-loss"))) {
            target = r.positiveDouble("target-loss");
        }
        int samplesMin = r.positiveInt("samples-min");
        int samplesMax = r.positiveInt("samples-max");
        if (samplesMax < samplesMin) {
            throw r.invalid("samples-max", "expected >= emu.samples-min = " + samplesMin);
        }
        String out = r.directoryPath("out-dir");
        TreeMap<Integer, Double> slowdown = new TreeMap<>();
        ConfigReader slow = r.section("slowdown");
        for (String key : slow.keys()) {
            slowdown.put(clientId(slow, key), slow.positiveDouble("\"" + key + "\""));
        }
        TreeMap<Integer, Integer> kill = new TreeMap<>();
        ConfigReader killAt = r.section("kill-at-round");
        for (String key : killAt.keys()) {
            kill.put(clientId(killAt, key), killAt.nonNegativeInt("\"" + key + "\""));
        }
        Scheme scheme = r.enumValue("scheme", Scheme.class);
        StragglerPolicy stragglers = r.enumValue("straggler-policy", StragglerPolicy.class);
        if (stragglers == StragglerPolicy.DEADLINE && scheme != Scheme.SFL) {
            throw r.invalid("straggler-policy", "the deadline policy applies to fedsllm.emu.scheme = sfl only (clients "
                    + "racing to the main server), but the scheme is " + ConfigReader.configName(scheme)
                    + ": use wait-all, or scheme sfl");
        }
        // Sorted maps: the coordinator iterates them, so their order must not depend on hashing.
        return new EmuSettings(r.enumValue("mode", Mode.class), scheme,
                r.positiveInt("rounds"), target, r.enumValue("planner", PlannerChoice.class),
                stragglers, r.positiveDouble("deadline-factor"),
                r.enumValue("compute-delay", ComputeDelay.class), r.positiveDouble("measured-scale"), samplesMin,
                samplesMax, out, r.getBoolean("progress"), Collections.unmodifiableSortedMap(slowdown),
                Collections.unmodifiableSortedMap(kill), r.positiveDuration("shutdown-timeout"));
    }

    private static int clientId(ConfigReader section, String key) {
        try {
            int id = Integer.parseInt(key);
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw section.invalid("\"" + key + "\"", "expected a client id (a whole number >= 0) as key");
    }

    /** Slow-down factor of client k (1 when not listed). */
    public double slowdown(int client) {
        return slowdown.getOrDefault(client, 1.0);
    }
}
