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

    public static ComputeSettings from(ConfigReader root) {
        ConfigReader r = root.section("compute");
        double min = r.positiveDouble("client-frequency-min-hz");
        double max = r.positiveDouble("client-frequency-max-hz");
        if (max < min) {
            throw r.invalid("client-frequency-max-hz", "expected a frequency >= compute.client-frequency-min-hz = " + min + " Hz");
        }
        return new ComputeSettings(min, max, r.positiveDouble("client-flops-per-cycle"),
                r.positiveDouble("server-frequency-hz"), r.positiveDouble("server-flops-per-cycle"));
    }
}
