package io.fedsllm.config;

/**
 * Size of the PNG charts ({@code fedsllm.report}).
 *
 * @param widthPx  chart width, pixels
 * @param heightPx chart height, pixels
 */
public record ChartSettings(int widthPx, int heightPx) {

    /** Smallest and largest accepted side, pixels: smaller charts have no room for axes and legend. */
    static final int MIN_PX = 200;
    static final int MAX_PX = 10_000;

    public static ChartSettings from(ConfigReader root) {
        ConfigReader r = root.section("report");
        return new ChartSettings(r.intInRange("chart-width-px", MIN_PX, MAX_PX), r.intInRange("chart-height-px", MIN_PX, MAX_PX));
    }

    /** The size application.conf ships (tests that write charts without a configuration of their own). */
    public static ChartSettings shipped() {
        return from(ConfigReader.root(ConfigLoader.withSets()));
    }
}
