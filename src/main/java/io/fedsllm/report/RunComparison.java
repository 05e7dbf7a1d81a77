package io.fedsllm.report;

import io.fedsllm.results.RoundRecord;
import com.fasterxml.jackson.databind.JsonNode;
import io.fedsllm.config.ChartSettings;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Overlays several runs (directories written by {@link RunWriter}): validation loss against virtual time in one
 * chart, and a time-to-target table, both on the validation loss (the loss the emulator's target stops on). Runs
 * without a validation loss (analytic mode) have no time to target ("n/a") and, when no run has one, are overlaid
 * as virtual time per round instead.
 */
public final class RunComparison {
    private RunComparison() {}

    /** One run read back from its directory. */
    public record Run(Path dir, String scheme, String mode, int clients, List<RoundRecord> rounds) {
        String label() {
            return dir.getFileName() + " (" + scheme + ", " + mode + ")";
        }

        /** Whether any round recorded a validation loss (real mode). */
        boolean hasValLoss() {
            return rounds.stream().anyMatch(r -> r.valLoss() != null);
        }

        /** Virtual end of the first round whose validation loss is at or below the target; null if never. */
        Double timeToTargetS(double target) {
            for (RoundRecord r : rounds) {
                if (r.valLoss() != null && r.valLoss() <= target) {
                    return r.virtualEndS();
                }
            }
            return null;
        }
    }

    /**
     * Reads {@code rounds.jsonl} and {@code summary.json} of a finished run directory. A directory that still holds
     * {@value RunWriter#INCOMPLETE} (a run in progress, interrupted or failed) is refused with what the marker says;
     * a malformed file is named with its line.
     */
    public static Run read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserError(dir + (Files.exists(dir) ? " is a file" : " does not exist")
                    + ": expected a run directory (written by run, with rounds.jsonl and summary.json)");
        }
        Path marker = dir.resolve(RunWriter.INCOMPLETE);
        if (Files.exists(marker)) {
            throw new UserError(dir + " holds an incomplete run (" + describeMarker(marker) + "): it is still running, "
                    + "was interrupted or failed, so it has no summary.json; report compares finished runs only");
        }
        Path rounds = dir.resolve("rounds.jsonl");
        Path summary = dir.resolve("summary.json");
        if (!Files.isRegularFile(rounds) || !Files.isRegularFile(summary)) {
            throw new UserError(dir + " is not a run directory: expected rounds.jsonl and summary.json in it");
        }
        List<RoundRecord> records = new ArrayList<>();
        int lineNo = 0;
        try {
            for (String line : Files.readAllLines(rounds)) {
                lineNo++;
                if (!line.isBlank()) {
                    records.add(RunWriter.JSON.readValue(line, RoundRecord.class));
                }
            }
        } catch (IOException e) {
            throw new UserError(rounds + ":" + Math.max(lineNo, 1) + ": not a round record (" + firstLine(e) + ")");
        }
        JsonNode s;
        try {
            s = RunWriter.JSON.readTree(summary.toFile());
        } catch (IOException e) {
            throw new UserError(summary + ": not a run summary (" + firstLine(e) + ")");
        }
        if (s == null || !s.isObject() || !s.path("scheme").isTextual() || !s.path("mode").isTextual()
                || !s.path("clients").canConvertToInt()) {
            throw new UserError(summary + ": not a run summary: expected a JSON object with scheme, mode and clients");
        }
        return new Run(dir, s.path("scheme").asText(), s.path("mode").asText(), s.path("clients").asInt(),
                List.copyOf(records));
    }

    /** "state running, started 2026-11-30T10:15:00Z, process 1234" from an incomplete marker (best effort). */
    private static String describeMarker(Path marker) {
        try {
            JsonNode m = RunWriter.JSON.readTree(marker.toFile());
            String text = RunWriter.INCOMPLETE + ": state " + m.path("state").asText("?") + ", started "
                    + m.path("startedAt").asText("?") + ", process " + m.path("pid").asText("?");
            return m.has("reason") ? text + ", reason: " + m.path("reason").asText() : text;
        } catch (IOException e) {
            return RunWriter.INCOMPLETE + " present";
        }
    }

    private static String firstLine(IOException e) {
        return String.valueOf(e.getMessage()).split("\n")[0];
    }

    /**
     * Writes {@code loss.png} (or {@code virtual-time.png} when no run has losses) and {@code time-to-target.csv}
     * to {@code out}, and prints the table.
     *
     * @param targetLoss the target; null = report the final loss only
     */
    public static void compare(List<Run> runs, Double targetLoss, Path out, ChartSettings chart, PrintStream console) {
        List<Charts.Series> loss = new ArrayList<>();
        List<Charts.Series> time = new ArrayList<>();
        for (Run run : runs) {
            List<double[]> pts = new ArrayList<>();
            double[] rx = new double[run.rounds().size()];
            double[] ry = new double[run.rounds().size()];
            for (int i = 0; i < run.rounds().size(); i++) {
                RoundRecord r = run.rounds().get(i);
                rx[i] = r.round();
                ry[i] = r.virtualEndS();
                if (r.valLoss() != null) {
                    pts.add(new double[] {r.virtualEndS(), r.valLoss()});
                }
            }
            if (!pts.isEmpty()) {
                loss.add(new Charts.Series(run.label(), pts.stream().mapToDouble(p -> p[0]).toArray(),
                        pts.stream().mapToDouble(p -> p[1]).toArray()));
            }
            time.add(new Charts.Series(run.label(), rx, ry));
        }
        if (!loss.isEmpty()) {
            Charts.lines(chart, out.resolve("loss.png"), "Validation loss against virtual time", "virtual time (s)",
                    "validation loss", false, false, loss);
        } else {
            console.println("no run recorded a validation loss (analytic mode): writing virtual time per round instead");
            Charts.lines(chart, out.resolve("virtual-time.png"), "Virtual time per round", "round", "virtual end of round (s)",
                    false, false, time);
        }
        try (CsvWriter csv = new CsvWriter(out.resolve("time-to-target.csv"),
                List.of("run", "scheme", "mode", "clients", "rounds", "virtualSeconds", "finalValLoss", "targetLoss",
                        "timeToTargetS"))) {
            console.printf(Locale.ROOT, "%-32s %-12s %-9s %7s %6s %14s %10s %14s%n", "run", "scheme", "mode", "clients",
                    "rounds", "virtual s", "val loss", "time to target");
            for (Run run : runs) {
                RoundRecord last = run.rounds().isEmpty() ? null : run.rounds().get(run.rounds().size() - 1);
                Double finalLoss = last == null ? null : last.valLoss();
                boolean noValLoss = targetLoss != null && !run.hasValLoss(); // no time to target can exist: "n/a"
                Double ttt = targetLoss == null ? null : run.timeToTargetS(targetLoss);
                String tttText = targetLoss == null ? "no target" : noValLoss ? "n/a"
                        : ttt == null ? "not reached" : String.format(Locale.ROOT, "%.3f", ttt);
                double virtual = last == null ? 0 : last.virtualEndS();
                csv.row(run.dir().toString(), run.scheme(), run.mode(), run.clients(), run.rounds().size(), virtual,
                        finalLoss, targetLoss, noValLoss ? "n/a" : ttt);
                console.printf(Locale.ROOT, "%-32s %-12s %-9s %7d %6d %14.3f %10s %14s%n", run.dir().getFileName(),
                        run.scheme(), run.mode(), run.clients(), run.rounds().size(), virtual,
                        finalLoss == null ? "n/a" : String.format(Locale.ROOT, "%.4f", finalLoss),
                        tttText);
            }
        }
    }
}
