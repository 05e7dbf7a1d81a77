package io.fedsllm.scenario;

import java.util.Locale;

/** A node of the emulated system, by role (ARCHITECTURE "Topology"): what node events name. */
public enum Node {
    MAIN_SERVER, FED_SERVER, CLIENTS;

    /** The spelling in scenario files and events.jsonl: {@code main-server}, ... */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
