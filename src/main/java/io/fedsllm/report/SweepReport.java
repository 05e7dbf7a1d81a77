package io.fedsllm.report;

import io.fedsllm.config.ChartSettings;
import io.fedsllm.plan.Sweep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a sweep as DIR/&lt;param&gt;.csv and DIR/&lt;param&gt;.png. */
public final class SweepReport {
    public static final List<String> CSV_HEADER = List.of("param", "value", "scheme", "mean", "min", "max", "seeds");

    private SweepReport() {}

    /**
     * @param chart size of the PNG
     * @return the two files written
     */
    public static List<Path> write(Path dir, Sweep.Param param, List<Sweep.Row> rows, ChartSettings chart) {
        Path csv = dir.resolve(param.cliName + ".csv");
        try (CsvWriter w = new CsvWriter(csv, CSV_HEADER)) {
            for (Sweep.Row r : rows) {
                w.row(r.param(), r.value(), r.scheme(), r.mean(), r.min(), r.max(), r.seeds());
            }
        }
        Map<String, List<double[]>> byScheme = new LinkedHashMap<>();
        for (Sweep.Row r : rows) {
            byScheme.computeIfAbsent(r.scheme(), k -> new ArrayList<>()).add(new double[] {r.value() * param.axisScale, r.mean()});
        }
        List<Charts.Series> series = new ArrayList<>();
        double minY = Double.POSITIVE_INFINITY;
        double maxY = 0;
        double minX = Double.POSITIVE_INFINITY;
        double maxX = 0;
        for (Map.Entry<String, List<double[]>> e : byScheme.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(v -> v[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(v -> v[1]).toArray();
            for (double v : y) {
                minY = Math.min(minY, v);
                maxY = Math.max(maxY, v);
            }
            for (double v : x) {
                minX = Math.min(minX, v);
                maxX = Math.max(maxX, v);
            }
            series.add(new Charts.Series(e.getKey().equals("proposed") ? "proposed" : e.getKey().length() == 1
                    ? "baseline " + e.getKey() : e.getKey(), x, y));
        }
        // Log scales when values span about a decade or more (and are all positive), e.g. doubling sweeps.
        boolean logY = minY > 0 && maxY / minY > 10;
        boolean logX = minX > 0 && maxX / minX >= 8;
        Path png = dir.resolve(param.cliName + ".png");
        if (param.energy) {
            Charts.lines(chart, png, "Largest feasible LoRA rank vs " + param.axisLabel, param.axisLabel, "rank (mean over seeds)",
                    logX, false, series);
        } else {
            Charts.lines(chart, png, "Total training delay vs " + param.axisLabel, param.axisLabel, "total delay (s, mean over seeds)",
                    logX, logY, series);
        }
        return List.of(csv, png);
    }
}
