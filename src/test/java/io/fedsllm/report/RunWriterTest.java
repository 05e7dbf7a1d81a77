package io.fedsllm.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run directory's life: nothing before the first round, marked incomplete until finish, complete after it. */
class RunWriterTest {

    @TempDir
    Path tmp;

    private static RoundRecord round(int r) {
        return new RoundRecord(r, r, r + 1, 1, 2, 4, 3, List.of(), null, null, 10, 20,
                new RoundRecord.Breakdown(1, 0, 0, 0, 0), 0, null, List.of());
    }

    private static RunResult result(List<RoundRecord> rounds) {
        return new RunResult("sfl", "analytic", 3, rounds, "rounds", rounds.size(), 0.5, 100, 0, 10, 20, null, null,
                Map.of(), new TreeMap<>());
    }

    private JsonNode marker(Path dir) throws IOException {
        return RunWriter.JSON.readTree(dir.resolve(RunWriter.INCOMPLETE).toFile());
    }

    @Test
    void aRunDirectoryExistsFromTheFirstRoundAndIsIncompleteUntilFinish() throws IOException {
        Path dir = tmp.resolve("run");
        try (RunWriter w = new RunWriter(dir, null, 2, ChartSettings.shipped())) {
            assertFalse(Files.exists(dir), "nothing is written before the first round");
            w.round(round(0), 0.1);
            assertEquals("running", marker(dir).path("state").asText());
            assertEquals(ProcessHandle.current().pid(), marker(dir).path("pid").asLong());
            assertEquals(1, Files.readAllLines(dir.resolve("rounds.jsonl")).size(), "each round is on disk as it ends");
            // report refuses it while it is incomplete
            UserError e = assertThrows(UserError.class, () -> RunComparison.read(dir));
            assertTrue(e.getMessage().contains("incomplete run") && e.getMessage().contains("state running"), e.getMessage());
            w.round(round(1), 0.1);
            w.finish(result(List.of(round(0), round(1))), 1, null);
        }
        assertFalse(Files.exists(dir.resolve(RunWriter.INCOMPLETE)), "finish removes the marker last");
        assertEquals(2, RunComparison.read(dir).rounds().size());
    }

    @Test
    void aFailedRunKeepsItsRoundsAndSaysWhyInTheMarker() throws IOException {
        Path dir = tmp.resolve("run");
        try (RunWriter w = new RunWriter(dir, null, 3, ChartSettings.shipped())) {
            w.round(round(0), 0.1);
            w.fail(new UserError("training diverged in round 1"));
        }
        assertEquals("failed", marker(dir).path("state").asText());
        assertTrue(marker(dir).path("reason").asText().contains("training diverged in round 1"));
        assertEquals(1, Files.readAllLines(dir.resolve("rounds.jsonl")).size());
        assertFalse(Files.exists(dir.resolve("summary.json")));
    }

    @Test
    void aRunThatFailsBeforeItsFirstRoundLeavesNoDirectory() {
        Path dir = tmp.resolve("run");
        try (RunWriter w = new RunWriter(dir, null, 3, ChartSettings.shipped())) {
            w.fail(new IllegalStateException("the planner failed"));
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void aNonEmptyDirectoryIsRefusedBeforeTheRunStarts() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(dir.resolve("summary.json"), "{}");
        UserError e = assertThrows(UserError.class, () -> new RunWriter(dir, null, 3, ChartSettings.shipped()));
        assertTrue(e.getMessage().contains("is not empty") && e.getMessage().contains("--overwrite"), e.getMessage());
        assertEquals("{}", Files.readString(dir.resolve("summary.json")));
    }

    @Test
    void publishLeavesNothingBehindWhenWritingFails() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(dir.resolve("keep.csv"), "old");
        OutputDir out = OutputDir.exact(dir, "--out " + dir, true, List.of());
        assertThrows(IllegalStateException.class, () -> out.publish(staging -> {
            try {
                Files.writeString(staging.resolve("half.csv"), "half-writ");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("the chart library failed");
        }));
        assertEquals("old", Files.readString(dir.resolve("keep.csv")), "the old output stays when the new one fails");
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "no staging directory is left");
        }
    }
}
