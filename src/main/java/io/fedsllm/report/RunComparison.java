package io.fedsllm.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Overlays several runs (directories written by {@link RunWriter}): loss against virtual time in one chart, and a
 * time-to-target table. Runs without losses (analytic mode) are overlaid as virtual time per round instead.
 */
public final class RunComparison {
    private RunComparison() {}

    /** One run read back from its directory. */
    public record Run(Path dir, String scheme, String mode, int clients, List<RoundRecord> rounds) {
        String label() {
            return dir.getFileName() + " (" + scheme + ", " + mode + ")";
        }

        /** Loss of a round: validation when recorded, else training; null in analytic mode. */
        static Double loss(RoundRecord r) {
            return r.valLoss() != null ? r.valLoss() : r.trainLoss();
        }

        /** Virtual end of the first round whose loss is at or below the target; null if never. */
        Double timeToTargetS(double target) {
            for (RoundRecord r : rounds) {
                Double l = loss(r);
                if (l != null && l <= target) {
                    return r.virtualEndS();
                }
            }
            return null;
        }
    }

    /** Reads {@code rounds.jsonl} and {@code summary.json} of a run directory. */
    public static Run read(Path dir) {
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
            JsonNode s = RunWriter.JSON.readTree(summary.toFile());
            return new Run(dir, s.path("scheme").asText("?"), s.path("mode").asText("?"), s.path("clients").asInt(),
                    List.copyOf(records));
        } catch (IOException e) {
            throw new UserError(rounds + ":" + lineNo + ": not a round record (" + e.getMessage().split("\n")[0] + ")");
        }
    }

    /**
     * Writes {@code loss.png} (or {@code virtual-time.png} when no run has losses) and {@code time-to-target.csv}
     * to {@code out}, and prints the table.
     *
     * @param targetLoss the target; null = report the final loss only
     */
    public static void compare(List<Run> runs, Double targetLoss, Path out, PrintStream console) {
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
                Double l = Run.loss(r);
                if (l != null) {
                    pts.add(new double[] {r.virtualEndS(), l});
                }
            }
            if (!pts.isEmpty()) {
                loss.add(new Charts.Series(run.label(), pts.stream().mapToDouble(p -> p[0]).toArray(),
                        pts.stream().mapToDouble(p -> p[1]).toArray()));
            }
            time.add(new Charts.Series(run.label(), rx, ry));
        }
        if (!loss.isEmpty()) {
            Charts.lines(out.resolve("loss.png"), "Loss against virtual time", "virtual time (s)", "loss", false, false, loss);
        } else {
            console.println("no run recorded a loss (analytic mode): writing virtual time per round instead");
            Charts.lines(out.resolve("virtual-time.png"), "Virtual time per round", "round", "virtual end of round (s)",
                    false, false, time);
        }
        try (CsvWriter csv = new CsvWriter(out.resolve("time-to-target.csv"),
                List.of("run", "scheme", "mode", "clients", "rounds", "virtualSeconds", "finalLoss", "targetLoss", "timeToTargetS"))) {
            console.printf(Locale.ROOT, "%-32s %-12s %-9s %7s %6s %14s %10s %14s%n", "run", "scheme", "mode", "clients",
                    "rounds", "virtual s", "loss", "time to target");
            for (Run run : runs) {
                RoundRecord last = run.rounds().isEmpty() ? null : run.rounds().get(run.rounds().size() - 1);
                Double finalLoss = last == null ? null : Run.loss(last);
                Double ttt = targetLoss == null ? null : run.timeToTargetS(targetLoss);
                double virtual = last == null ? 0 : last.virtualEndS();
                csv.row(run.dir().toString(), run.scheme(), run.mode(), run.clients(), run.rounds().size(), virtual,
                        finalLoss, targetLoss, ttt);
                console.printf(Locale.ROOT, "%-32s %-12s %-9s %7d %6d %14.3f %10s %14s%n", run.dir().getFileName(),
                        run.scheme(), run.mode(), run.clients(), run.rounds().size(), virtual,
                        finalLoss == null ? "n/a" : String.format(Locale.ROOT, "%.4f", finalLoss),
                        targetLoss == null ? "no target" : ttt == null ? "not reached" : String.format(Locale.ROOT, "%.3f", ttt));
            }
        }
    }
}
