package io.fedsllm.config;

import java.time.Duration;

/**
 * How progress bars show on stderr ({@code fedsllm.report.progress-*}).
 *
 * @param style       {@code auto}: a bar redrawn in place when stderr is a terminal, log lines otherwise;
 *                    {@code bar}; {@code lines}
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

    /** Whether progress is appended as lines: style {@code lines}, or {@code auto} when stderr is not a terminal. */
    public boolean lines() {
        return style == Style.LINES || (style == Style.AUTO && !stderrIsTerminal());
    }

    /**
     * Whether stderr is a terminal. On Linux from what file descriptor 2 points to ({@code /proc/self/fd/2}: a
     * {@code /dev/pts/N} or {@code /dev/tty*} device), so {@code 2> log} is seen even when stdout is a terminal;
     * elsewhere Java 17 can only tell whether the JVM has a console (stdin and stdout both interactive).
     */
    static boolean stderrIsTerminal() {
        java.nio.file.Path fd = java.nio.file.Path.of("/proc/self/fd/2");
        try {
            String target = java.nio.file.Files.readSymbolicLink(fd).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null; // no /proc (not Linux): the console test
        }
    }
}
