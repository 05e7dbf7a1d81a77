package io.fedsllm.report;

import io.fedsllm.config.ChartSettings;
import io.fedsllm.results.ClientSpan;
import io.fedsllm.results.EventMark;
import io.fedsllm.results.RoundRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code timeline.png}: one round on the virtual clock, one row per client (lowest id on top) with its forward,
 * upload, wait, backward and LoRA-upload spans as bars, and the round's events marked (on the client's row, or as
 * a vertical line across all rows for node events). The title names the client that held the round back: the one
 * busiest (forward + uploads + backward, the rounds.jsonl {@code slowestClient} rule). Drawn with XChart from the
 * data records {@link ClientSpan} and {@link EventMark} alone.
 */
public final class Timeline {
    /** A fixed colour per span kind, so charts of different runs compare at a glance. */
    static final Map<ClientSpan.Kind, Color> COLORS = new EnumMap<>(Map.of(
            ClientSpan.Kind.FORWARD, new Color(31, 119, 180),
            ClientSpan.Kind.UPLOAD, new Color(255, 127, 14),
            ClientSpan.Kind.WAIT, new Color(199, 199, 199),
            ClientSpan.Kind.BACKWARD, new Color(44, 160, 44),
            ClientSpan.Kind.LORA_UPLOAD, new Color(148, 103, 189)));
    static final Color EVENT_COLOR = new Color(214, 39, 40);
    static final String EVENTS = "events";

    private Timeline() {}

    /** Writes the timeline of round {@code round} to {@code png} at the configured chart size. */
    public static void write(ChartSettings size, Path png, int round, List<ClientSpan> spans, List<EventMark> marks) {
        System.setProperty("java.awt.headless", "true");
        Charts.save(png, chart(size, round, spans, marks));
    }

    /** The chart (tests read its series): one series per span kind present, plus the client events. */
    static XYChart chart(ChartSettings size, int round, List<ClientSpan> spans, List<EventMark> marks) {
        List<Integer> rows = rows(spans, marks);
        Map<Integer, Integer> rowOf = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            rowOf.put(rows.get(i), rows.size() - 1 - i);
        }
        Integer held = heldBack(spans);
        String title = String.format(Locale.ROOT, "Round %d on the virtual clock%s", round,
                held == null ? "" : ": client " + held + " held the round back");
        XYChart chart = new XYChartBuilder().width(size.widthPx()).height(size.heightPx()).title(title)
                .xAxisTitle("virtual time (s)").yAxisTitle("client").build();
        var styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridHorizontalLinesVisible(false);
        styler.setAnnotationLineColor(EVENT_COLOR);
        styler.setAnnotationTextFontColor(EVENT_COLOR);
        styler.setYAxisMin(-0.5);
        styler.setYAxisMax(Math.max(rows.size(), 1) - 0.5);
        styler.setyAxisTickLabelsFormattingFunction(y -> rowLabel(rows, y));
        // Bars as thick line segments, about 60% of a row high.
        float thickness = (float) Math.max(1, Math.min(14, 0.6 * (size.heightPx() - 160) / Math.max(rows.size(), 1)));
        for (ClientSpan.Kind kind : ClientSpan.Kind.values()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (ClientSpan s : spans) {
                if (s.kind() == kind) {
                    double y = rowOf.get(s.client());
                    xs.add(s.startS());
                    xs.add(s.endS());
                    xs.add(Double.NaN); // breaks the line between spans
                    ys.add(y);
                    ys.add(y);
                    ys.add(Double.NaN);
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries series = chart.addSeries(kind.label(), xs, ys);
            series.setMarker(SeriesMarkers.NONE);
            series.setLineColor(COLORS.get(kind));
            series.setLineStyle(new BasicStroke(thickness, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
        }
        List<Double> ex = new ArrayList<>();
        List<Double> ey = new ArrayList<>();
        for (EventMark m : marks) {
            if (m.client() == null) {
                chart.addAnnotation(new AnnotationLine(m.timeS(), true, false));
                chart.addAnnotation(new AnnotationText(m.label(), m.timeS(), Math.max(rows.size(), 1) - 0.7, false));
            } else {
                double y = rowOf.get(m.client());
                ex.add(m.timeS());
                ey.add(y);
                chart.addAnnotation(new AnnotationText(m.label(), m.timeS(), y + 0.35, false));
            }
        }
        if (!ex.isEmpty()) {
            XYSeries events = chart.addSeries(EVENTS, ex, ey);
            events.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            events.setMarker(SeriesMarkers.DIAMOND);
            events.setMarkerColor(EVENT_COLOR);
        }
        return chart;
    }

    /**
     * The y-axis label at {@code y}: the client id on a row, blank elsewhere. XChart drops every tick label when two
     * are equal, so the blanks differ in length (a few spaces; between rows only when rows are few).
     */
    static String rowLabel(List<Integer> rows, double y) {
        long r = Math.round(y);
        int index = rows.size() - 1 - (int) r;
        if (Math.abs(y - r) < 1e-9 && index >= 0 && index < rows.size()) {
            return Integer.toString(rows.get(index));
        }
        return " ".repeat(1 + (int) Math.floorMod(Math.round(2 * y), 16L));
    }

    /** The chart's rows: every client with a span or an event mark, ascending (drawn top to bottom). */
    public static List<Integer> rows(List<ClientSpan> spans, List<EventMark> marks) {
        TreeSet<Integer> ids = new TreeSet<>();
        spans.forEach(s -> ids.add(s.client()));
        marks.stream().filter(m -> m.client() != null).forEach(m -> ids.add(m.client()));
        return List.copyOf(ids);
    }

    /** The busiest client (forward + uploads + backward; ties: the lower id), null without spans. */
    public static Integer heldBack(List<ClientSpan> spans) {
        Map<Integer, Double> busy = new TreeMap<>();
        for (ClientSpan s : spans) {
            busy.merge(s.client(), s.kind() == ClientSpan.Kind.WAIT ? 0 : s.durationS(), Double::sum);
        }
        Integer best = null;
        for (Map.Entry<Integer, Double> e : busy.entrySet()) {
            if (best == null || e.getValue() > busy.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** The round to draw by default: the slowest (largest virtual duration; ties: the earliest). */
    public static int slowestRound(List<RoundRecord> rounds) {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("no rounds to choose from");
        }
        RoundRecord slowest = rounds.get(0);
        for (RoundRecord r : rounds) {
            if (r.durationS() > slowest.durationS()) {
                slowest = r;
            }
        }
        return slowest.round();
    }
}
