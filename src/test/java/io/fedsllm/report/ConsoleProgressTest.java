package io.fedsllm.report;

import io.fedsllm.results.RoundRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.ProgressSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleProgressTest {

    private static ProgressSettings settings(String... sets) {
        return ProgressSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    /** Progress in {@code style} written to {@code bytes}. */
    private static ConsoleProgress console(ByteArrayOutputStream bytes, String style) {
        return new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), settings("report.progress-style=" + style));
    }

    @Test
    void linesStyleAppendsPlainLinesInsteadOfRedrawing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = console(bytes, "lines");
        try (ProgressBar bar = console.bar("steps", 3, false)) {
            for (int i = 0; i < 3; i++) {
                bar.step();
            }
            console.line("a message");
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), "no carriage returns in the lines style: " + text);
        List<String> lines = text.lines().toList();
        assertTrue(lines.contains("a message"), text);
        assertTrue(lines.get(lines.size() - 1).contains("3/3"), "the closing line shows the final count: " + text);
        assertEquals(1, lines.stream().filter(l -> l.contains("3/3")).count(), "the final state once: " + text);
        // The 30 s log interval: a line at the start and one at the end, not one per redraw.
        assertTrue(lines.size() <= 4, "at most start, message, end (and one timer tick): " + text);
    }

    @Test
    void barStyleOverwritesTheBarLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = console(bytes, "bar");
        console.line("round 0");
        assertTrue(bytes.toString(StandardCharsets.UTF_8).startsWith("\rround 0 "));
    }

    @Test
    void runWriterPrintsOneLinePerRoundInTheLinesStyle(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = console(bytes, "lines");
        RoundRecord r = new RoundRecord(0, 0, 1.5, 1.5, 2, 4, 3, List.of(), 2.0, 1.9, 0, 0,
                new RoundRecord.Breakdown(1.5, 0, 0, 0, 0), 0, 1, List.of());
        try (RunWriter w = new RunWriter(dir, console, 1, io.fedsllm.config.ChartSettings.from(ConfigReader.root(ConfigLoader.withSets())))) {
            w.round(r, 0.1);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.lines().anyMatch(l -> l.equals(RunWriter.line(r))), text);
        assertFalse(text.contains("\r"), text);
    }

    @Test
    void settingsAreValidated() {
        assertEquals(ProgressSettings.Style.LINES, settings("report.progress-style=lines").style());
        assertTrue(settings("report.progress-style=lines").lines());
        assertFalse(settings("report.progress-style=bar").lines());
        // Surefire's forked JVM writes stderr to a pipe, not a terminal: auto means lines there.
        assertTrue(settings("report.progress-style=auto").lines());
        ConfigError style = assertThrows(ConfigError.class, () -> settings("report.progress-style=fancy"));
        assertTrue(style.getMessage().contains("fedsllm.report.progress-style") && style.getMessage().contains("[auto, bar, lines]"),
                style.getMessage());
        ConfigError interval = assertThrows(ConfigError.class, () -> settings("report.progress-log-interval=1ms"));
        assertTrue(interval.getMessage().contains("fedsllm.report.progress-log-interval"), interval.getMessage());
        ConfigError notDuration = assertThrows(ConfigError.class, () -> settings("report.progress-redraw=soon"));
        assertTrue(notDuration.getMessage().contains("a duration"), notDuration.getMessage());
    }
}
