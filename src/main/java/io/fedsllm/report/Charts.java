package io.fedsllm.report;

import io.fedsllm.config.ChartSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line and stacked-bar charts written as PNG with XChart, at the size each caller passes: the effective
 * configuration's {@code fedsllm.report} chart-width-px and chart-height-px.
 */
public final class Charts {
    private Charts() {}

    /** One line: a name and its points (x ascending). */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y values");
            }
        }
    }

    /**
     * Writes a line chart to {@code png} (the ".png" suffix is required).
     *
     * @param logX logarithmic x axis (all x must be > 0)
     * @param logY logarithmic y axis (all y must be > 0)
     */
    public static void lines(ChartSettings size, Path png, String title, String xLabel, String yLabel, boolean logX,
            boolean logY, List<Series> series) {
        System.setProperty("java.awt.headless", "true");
        String name = png.getFileName().toString();
        if (!name.endsWith(".png")) {
            throw new IllegalArgumentException("chart file must end in .png: " + png);
        }
        XYChart chart = new XYChartBuilder().width(size.widthPx()).height(size.heightPx()).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.CIRCLE);
        }
        save(png, chart);
    }

    /**
     * Writes a stacked bar chart to {@code png}: one bar per category, one stacked segment per series
     * (each series has one value per category).
     */
    public static void stackedBars(ChartSettings size, Path png, String title, String xLabel, String yLabel,
            List<String> categories, List<String> seriesNames, List<double[]> values) {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(size.widthPx()).height(size.heightPx()).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setStacked(true);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (int i = 0; i < seriesNames.size(); i++) {
            List<Double> ys = new java.util.ArrayList<>();
            for (double v : values.get(i)) {
                ys.add(v);
            }
            chart.addSeries(seriesNames.get(i), categories, ys);
        }
        save(png, chart);
    }

    /** Writes {@code chart} as the PNG {@code png} (the ".png" suffix is required), creating its directory. */
    static void save(Path png, Chart<?, ?> chart) {
        if (!png.getFileName().toString().endsWith(".png")) {
            throw new IllegalArgumentException("chart file must end in .png: " + png);
        }
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // XChart appends the extension itself.
            String base = png.toString().substring(0, png.toString().length() - ".png".length());
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}
