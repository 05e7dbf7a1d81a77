package io.fedsllm.config;

import java.time.Duration;

/**
 * How progress bars show on stderr ({@code fedsllm.report.progress-*}).
 *
 * @param style       {@code auto}: a bar redrawn in place when the JVM has an interactive console
 *                    ({@link System#console()} non-null), log lines otherwise; {@code bar}; {@code lines}
 * @param redraw      how often a bar redraws in place
 * @param logInterval how often a progress line is printed in the {@code lines} style
 */
public record ProgressSettings(Style style, Duration redraw, Duration logInterval) {

    /** Where the progress goes: redrawn in place, or appended as lines (log files, CI). */
    public enum Style { AUTO, BAR, LINES }

    /** Bounds of both intervals: the bar library takes whole milliseconds as an int. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_INTERVAL = Duration.ofHours(24);

    public static ProgressSettings from(ConfigReader root) {
        ConfigReader r = root.section("report");
        return new ProgressSettings(r.enumValue("progress-style", Style.class),
                r.durationInRange("progress-redraw", MIN_INTERVAL, MAX_INTERVAL),
                r.durationInRange("progress-log-interval", MIN_INTERVAL, MAX_INTERVAL));
    }

    /** Whether progress is appended as lines: style {@code lines}, or {@code auto} without an interactive console. */
    public boolean lines() {
        return style == Style.LINES || (style == Style.AUTO && System.console() == null);
    }
}
