package io.fedsllm.config;

/**
 * {@code fedsllm.emu.timeline}: which round {@code DIR/timeline.png} draws and how many client rows at most.
 *
 * @param round      the round drawn, or −1 for the slowest
 * @param maxClients rows at most: the busiest clients
 */
public record TimelineSettings(int round, int maxClients) {

    public static TimelineSettings from(ConfigReader root) {
        ConfigReader r = root.section("emu").section("timeline");
        return new TimelineSettings(r.intInRange("round", -1, Integer.MAX_VALUE), r.intInRange("max-clients", 1, 1000));
    }
}
