package io.fedsllm.scenario;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.PopulationSettings;
import io.fedsllm.config.RadioSettings;
import io.fedsllm.config.SystemSettings;

/**
 * What a scenario is checked against: the run's length and shape from the configuration it will run with.
 *
 * @param seed            {@code fedsllm.seed}: the message-drop draws derive from it
 * @param rounds          {@code emu.rounds}: a step trigger must fall in 0..rounds−1
 * @param localIterations I ({@code system.local-iterations}): {@code at-iteration} must fall in 0..I−1
 * @param clients         K ({@code system.clients}), the clients of a round
 * @param devices         N ({@code population.devices}): client ids must fall in 0..N−1
 * @param subchannels     the smaller of the two links' subchannel counts: over-selection needs one per client
 * @param scheme          {@code emu.scheme}: deadline and over-select apply to sfl only
 * @param configured      the straggler policy of the configuration, used when the scenario sets none
 */
public record ScenarioContext(long seed, int rounds, int localIterations, int clients, int devices, int subchannels,
        EmuSettings.Scheme scheme, StragglerPolicy configured) {

    public static ScenarioContext from(Config config) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        SystemSettings system = SystemSettings.from(root);
        RadioSettings radio = RadioSettings.from(root);
        return new ScenarioContext(root.getLong("seed"), emu.rounds(), system.localIterations(), system.clients(),
                PopulationSettings.from(root).devices(), Math.min(radio.main().subchannels(), radio.fed().subchannels()),
                emu.scheme(), StragglerPolicy.of(emu));
    }
}
