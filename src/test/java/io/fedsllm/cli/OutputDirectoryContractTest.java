package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.report.RunWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** README "Output directories": default locations never collide, --overwrite replaces whole, nothing half-written. */
@Timeout(120)
class OutputDirectoryContractTest {

    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theDefaultRunLocationNeverCollidesAndLatestPointsToTheNewestRun() throws IOException {
        Path runs = tmp.resolve("runs");
        String[] args = {"run", "--mode", "analytic", "--rounds", "1", "--set", "emu.progress=false",
            "--set", "emu.runs-dir=\"" + runs + "\""};
        CliRun first = CliRun.of(args);
        CliRun second = CliRun.of(args);
        assertEquals(0, first.code(), first.err());
        assertEquals(0, second.code(), second.err());
        List<String> names = names(runs);
        assertEquals(3, names.size(), names.toString());
        assertTrue(names.contains("latest"), names.toString());
        List<String> dirs = names.stream().filter(n -> !n.equals("latest")).toList();
        assertNotEquals(dirs.get(0), dirs.get(1));
        for (String d : dirs) {
            assertTrue(d.matches("\\d{8}-\\d{6}-sfl(-\\d+)?"), d);
            assertTrue(Files.isRegularFile(runs.resolve(d).resolve("summary.json")), d);
            assertFalse(Files.exists(runs.resolve(d).resolve(RunWriter.INCOMPLETE)), "a finished run is not marked incomplete");
        }
        assertTrue(Files.isSymbolicLink(runs.resolve("latest")));
        Path newest = runs.resolve(Files.readSymbolicLink(runs.resolve("latest")));
        assertTrue(second.out().contains("outputs in " + newest), second.out());
        assertTrue(first.out().contains("outputs in " + runs) && !first.out().contains(newest.toString()), first.out());
    }

    @Test
    void overwriteReplacesARunDirectoryWholeWithNoStaleFiles() throws IOException {
        Path out = tmp.resolve("run");
        Files.createDirectories(out.resolve("old-sub"));
        Files.writeString(out.resolve("loss.png"), "the chart of an earlier real run");
        Files.writeString(out.resolve("rounds.jsonl"), "{\"round\":0}\n{\"round\":1}\n{\"round\":2}\n");
        Files.writeString(out.resolve("old-sub/notes.txt"), "x");
        CliRun r = CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--out", out.toString(), "--overwrite",
                "--set", "emu.progress=false");
        assertEquals(0, r.code(), r.err());
        // An analytic run draws no loss.png: the old one must be gone, and so must everything else it did not write.
        assertEquals(List.of("breakdown.png", "checkpoints", "events.jsonl", "rounds.jsonl", "run.conf", "summary.json",
                "timeline.png", "wall.jsonl"), names(out));
        assertEquals(1, Files.readAllLines(out.resolve("rounds.jsonl")).size());
        assertEquals(List.of("run"), names(tmp), "no staging or trash directory is left beside it");
    }

    @Test
    void anEmptyExistingDirectoryIsAcceptedWithoutOverwrite() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("empty"));
        CliRun r = CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--out", out.toString(), "--set", "emu.progress=false");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("summary.json")));
    }

    @Test
    void reportWritesIntoAnExistingEmptyDirectoryKeepingTheDirectoryItself() throws IOException {
        Path run = tmp.resolve("run");
        assertEquals(0, CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--out", run.toString(),
                "--set", "emu.progress=false").code());
        Path out = Files.createDirectories(tmp.resolve("mine"));
        Object key = Files.readAttributes(out, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        CliRun r = CliRun.of("report", run.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("time-to-target.csv", "virtual-time.png"), names(out));
        assertEquals(key, Files.readAttributes(out, java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "the same directory (inode), not a new one in its place");
        assertEquals(List.of("mine", "run"), names(tmp));
    }

    @Test
    void reportSweepAndDataReplaceTheirOutputWholeWithOverwrite() throws IOException {
        Path run = tmp.resolve("run");
        assertEquals(0, CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--out", run.toString(),
                "--set", "emu.progress=false").code());
        for (String[] command : List.of(new String[] {"report", run.toString()},
                new String[] {"sweep", "--param", "pmax", "--values", "10,20", "--seeds", "1"},
                new String[] {"data", "--set", "data.synthetic.train-mrs=20", "--set", "data.pretrain.documents=5"})) {
            Path out = tmp.resolve("out-" + command[0]);
            Files.createDirectories(out);
            Files.writeString(out.resolve("stale.txt"), "from an earlier invocation");
            String[] args = Stream.concat(Stream.of(command), Stream.of("--out", out.toString(), "--overwrite")).toArray(String[]::new);
            CliRun r = CliRun.of(args);
            assertEquals(0, r.code(), command[0] + ": " + r.err());
            List<String> written = names(out);
            assertFalse(written.contains("stale.txt"), command[0] + " left a stale file: " + written);
            assertFalse(written.isEmpty(), command[0]);
        }
        assertFalse(names(tmp).stream().anyMatch(n -> n.startsWith(".")), "no staging directory left: " + names(tmp));
    }

    @Test
    void theDefaultReportLocationNeverCollides() throws IOException {
        Path run = tmp.resolve("run");
        assertEquals(0, CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--out", run.toString(),
                "--set", "emu.progress=false").code());
        Path reports = tmp.resolve("reports");
        String[] args = {"report", run.toString(), "--set", "report.reports-dir=\"" + reports + "\""};
        assertEquals(0, CliRun.of(args).code());
        assertEquals(0, CliRun.of(args).code());
        List<String> names = names(reports);
        assertEquals(3, names.size(), names.toString());
        assertTrue(names.contains("latest"));
        for (String n : names) {
            assertTrue(Files.isRegularFile(reports.resolve(n).resolve("time-to-target.csv")), n);
        }
    }
}
