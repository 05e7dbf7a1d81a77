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
 * @param outDir           the directory a run writes its outputs to; null = a new one under {@code runsDir}
 * @param progress         show a progress bar and per-round lines on stderr
 * @param slowdown         client id → compute slow-down factor (≥ 1 slows down), ascending ids
 * @param killAtRound      client id → global round (0-based) at whose start the client actor is stopped, ascending ids
 * @param shutdownTimeout  how long the end of a run waits for the actor system to terminate (wall time)
 * @param runsDir          parent of the default run directories ({@code <runsDir>/<timestamp>-<scheme>}, {@code latest})
 */
public record EmuSettings(Mode mode, Scheme scheme, int rounds, Double targetLoss, PlannerChoice planner,
        StragglerPolicy stragglers, double deadlineFactor, ComputeDelay computeDelay, double measuredScale,
        int samplesMin, int samplesMax, String outDir, boolean progress, SortedMap<Integer, Double> slowdown,
        SortedMap<Integer, Integer> killAtRound, Duration shutdownTimeout, String runsDir) {

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
        String out = r.optionalDirectoryPath("out-dir");
        TreeMap<Integer, Double> slowdown = new TreeMap<>();
        ConfigReader slow = r.section("slowdown");
        for (String key : slow.keys()) {
            slowdown.put(clientId(slow, key), slow.physical("\"" + key + "\"", "a slow-down factor", 1e-6, 1e6));
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
                stragglers, r.physical("deadline-factor", "a factor", 1e-6, 1e6),
                r.enumValue("compute-delay", ComputeDelay.class), r.physical("measured-scale", "a scale", 1e-9, 1e9), samplesMin,
                samplesMax, out, r.getBoolean("progress"), Collections.unmodifiableSortedMap(slowdown),
                Collections.unmodifiableSortedMap(kill), r.positiveDuration("shutdown-timeout"), r.directoryPath("runs-dir"));
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

    /**
     * The checks that tie this section to the rest of a run's configuration (what the emulator would reject when it
     * starts, checked before any output is touched): a target loss or measured compute delays need real mode, the
     * paper-table cost mode describes gpt2-small only, the centralized upload's token width holds the vocabulary, and scripted stragglers and faults name existing clients.
     * Errors name the flag the user typed where a flag set the value.
     */
    public void checkRun(ConfigReader root) {
        ConfigReader r = root.section("emu");
        if (mode == Mode.ANALYTIC && targetLoss != null) {
            throw r.invalid("target-loss", "analytic mode (" + r.source("mode") + ") computes no loss, so a target can "
                    + "never be reached; leave the target out (null) or use real mode");
        }
        if (mode == Mode.ANALYTIC && computeDelay == ComputeDelay.MEASURED) {
            throw r.invalid("compute-delay", "analytic mode (" + r.source("mode") + ") has no compute to measure; use "
                    + "model, or real mode");
        }
        if (mode == Mode.REAL) {
            String model = TrainSettings.from(root).model();
            if (CostSettings.from(root).mode() == CostSettings.Mode.PAPER_TABLE && !model.equals(CostSettings.PAPER_TABLE_MODEL)) {
                throw root.section("cost").invalid("mode", "real mode trains train.model = '" + model + "' and its delay "
                        + "model must describe it; paper-table holds " + CostSettings.PAPER_TABLE_MODEL + " only: use "
                        + "cost.mode = derived or train.model = " + CostSettings.PAPER_TABLE_MODEL);
            }
        }
        if (scheme == Scheme.CENTRALIZED) {
            ModelShape tokenised = mode == Mode.REAL ? ModelShape.named(root, TrainSettings.from(root).model())
                    : CostSettings.from(root).model();
            DataUploadSettings.from(root).checkVocabulary(root, tokenised.vocab(), tokenised.name());
        }
        int clients = SystemSettings.from(root).clients();
        checkClientIds(r, "slowdown", slowdown.keySet(), clients, root);
        checkClientIds(r, "kill-at-round", killAtRound.keySet(), clients, root);
    }

    private static void checkClientIds(ConfigReader emu, String key, java.util.Set<Integer> ids, int clients,
            ConfigReader root) {
        for (int id : ids) {
            if (id >= clients) {
                throw emu.section(key).invalid("\"" + id + "\"", "names client " + id + " but there are only " + clients
                        + " clients (" + root.section("system").source("clients") + "): ids 0.." + (clients - 1));
            }
        }
    }

    /** Slow-down factor of client k (1 when not listed). */
    public double slowdown(int client) {
        return slowdown.getOrDefault(client, 1.0);
    }
}
