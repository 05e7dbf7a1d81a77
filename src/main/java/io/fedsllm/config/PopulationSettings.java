package io.fedsllm.config;

/**
 * The device population ({@code fedsllm.population}): N devices of which K = {@code system.clients} are selected
 * each round among those available.
 *
 * @param devices      N (at least K); {@code population.devices = null} means K
 * @param selection    how the K clients of a round are picked
 * @param availability when a device can be selected
 * @param meanOnS      on-off availability: mean available period, virtual s
 * @param meanOffS     on-off availability: mean unavailable period, virtual s
 * @param traceFile    trace availability: the CSV file of available intervals ("" = none)
 */
public record PopulationSettings(int devices, Selection selection, Availability availability, double meanOnS,
        double meanOffS, String traceFile) {

    public enum Selection {
        /** Uniform without replacement among the available devices. */
        RANDOM,
        /** The largest main-link large-scale gains of the round. */
        BEST_CHANNEL,
        /** Consecutive ids, cyclically, from (round · K) mod N. */
        ROUND_ROBIN
    }

    public enum Availability {
        /** Every device, every round. */
        ALWAYS,
        /** Alternating exponential available/unavailable periods per device. */
        ON_OFF,
        /** The intervals of a trace file. */
        TRACE
    }

    public static PopulationSettings from(ConfigReader root) {
        ConfigReader r = root.section("population");
        int clients = SystemSettings.from(root).clients();
        int devices = clients;
        if (!r.config().getIsNull(r.key("devices"))) {
            devices = r.positiveInt("devices");
            if (devices < clients) {
                throw r.invalid("devices", "expected a count >= system.clients = " + clients
                        + " (each round selects system.clients devices), or null for system.clients");
            }
        }
        Availability availability = r.enumValue("availability", Availability.class);
        ConfigReader onOff = r.section("on-off");
        double on = onOff.positiveDouble("mean-on-s");
        double off = onOff.positiveDouble("mean-off-s");
        String trace = r.getString("trace-file");
        if (availability == Availability.TRACE && trace.isBlank()) {
            throw r.invalid("trace-file", "expected the path of a CSV file (header device,start_s,end_s) when "
                    + "population.availability = trace");
        }
        return new PopulationSettings(devices, r.enumValue("selection", Selection.class), availability, on, off, trace);
    }
}
