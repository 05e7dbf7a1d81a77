package io.fedsllm.scenario;

import io.fedsllm.config.EmuSettings;

/**
 * What the main server does with a round's slow clients (split-federated scheme): the scenario's
 * {@code stragglers} block, or {@code emu.straggler-policy} when the scenario has none.
 */
public sealed interface StragglerPolicy permits StragglerPolicy.WaitAll, StragglerPolicy.Deadline,
        StragglerPolicy.OverSelect {

    /** Every barrier waits for every live client. */
    record WaitAll() implements StragglerPolicy {}

    /** An iteration's activations arriving after start + factor × the plan's T1 are left out of it. */
    record Deadline(double factor) implements StragglerPolicy {}

    /**
     * K + {@code extraClients} clients start the round; of each iteration the first K activations to arrive are
     * kept (ties by client id), the others are left out of that iteration as under a deadline.
     */
    record OverSelect(int extraClients) implements StragglerPolicy {}

    /** The policy of the configuration ({@code emu.straggler-policy}, {@code emu.deadline-factor}). */
    static StragglerPolicy of(EmuSettings emu) {
        return emu.stragglers() == EmuSettings.StragglerPolicy.DEADLINE ? new Deadline(emu.deadlineFactor()) : new WaitAll();
    }
}
