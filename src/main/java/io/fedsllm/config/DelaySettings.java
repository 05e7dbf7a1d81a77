package io.fedsllm.config;

/**
 * Options of the delay model ({@code fedsllm.planner.delay}, SYSTEM_MODEL §1 step 5 and §5).
 *
 * @param gradientDownlink        add the activation-gradient downlink (bits = activation bits) to T2
 * @param gradientDownlinkRateBps downlink rate to every client when enabled, bit/s
 */
public record DelaySettings(boolean gradientDownlink, double gradientDownlinkRateBps) {

    public static DelaySettings from(ConfigReader root) {
        ConfigReader r = root.section("planner").section("delay");
        return new DelaySettings(r.getBoolean("gradient-downlink"), r.physical("gradient-downlink-rate-bps", "a rate in bit/s", 1e3, 1e13));
    }
}
