package io.fedsllm.config;

/**
 * Processors ({@code fedsllm.compute}, SYSTEM_MODEL §3): time for W FLOPs is W / (f · flopsPerCycle).
 *
 * @param clientFrequencyMinHz lower end of the uniform draw of f_k, cycles/s
 * @param clientFrequencyMaxHz upper end of f_k, cycles/s (equal to the minimum: identical clients)
 * @param clientFlopsPerCycle  1/κ_k
 * @param serverFrequencyHz    f_s of the main server, cycles/s
 * @param serverFlopsPerCycle  1/κ_s
 */
public record ComputeSettings(double clientFrequencyMinHz, double clientFrequencyMaxHz, double clientFlopsPerCycle,
        double serverFrequencyHz, double serverFlopsPerCycle) {

    /** Documented ranges (application.conf): 1 MHz to 1 THz clocks, 1 to 10^9 FLOPs per cycle. */
    static final double FREQUENCY_MIN_HZ = 1e6;
    static final double FREQUENCY_MAX_HZ = 1e12;
    static final double FLOPS_PER_CYCLE_MAX = 1e9;

    public static ComputeSettings from(ConfigReader root) {
        ConfigReader r = root.section("compute");
        double min = r.physical("client-frequency-min-hz", "a frequency in Hz", FREQUENCY_MIN_HZ, FREQUENCY_MAX_HZ);
        double max = r.physical("client-frequency-max-hz", "a frequency in Hz", FREQUENCY_MIN_HZ, FREQUENCY_MAX_HZ);
        if (max < min) {
            throw r.invalid("client-frequency-max-hz", "expected a frequency >= compute.client-frequency-min-hz = " + min + " Hz");
        }
        return new ComputeSettings(min, max,
                r.physical("client-flops-per-cycle", "FLOPs per cycle", 1, FLOPS_PER_CYCLE_MAX),
                r.physical("server-frequency-hz", "a frequency in Hz", FREQUENCY_MIN_HZ, FREQUENCY_MAX_HZ),
                r.physical("server-flops-per-cycle", "FLOPs per cycle", 1, FLOPS_PER_CYCLE_MAX));
    }
}
