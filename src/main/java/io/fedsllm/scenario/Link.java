package io.fedsllm.scenario;

import java.util.Locale;

/** The two links of a client (SYSTEM_MODEL §4): main (to and from the main server) and fed (to and from the federated server). */
public enum Link {
    MAIN, FED;

    /** The spelling in scenario files and events.jsonl: {@code main}, {@code fed}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
