package io.fedsllm.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ChartSettings;
import io.fedsllm.results.ClientSpan;
import io.fedsllm.results.ClientSpan.Kind;
import io.fedsllm.results.EventMark;
import io.fedsllm.results.RoundRecord;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class TimelineTest {
    private static final ChartSettings SIZE = new ChartSettings(800, 560);

    /** Client 7 is slow: its forward and upload end after the others', which wait for it at the barrier. */
    private static final List<ClientSpan> SPANS = List.of(
            new ClientSpan(2, Kind.FORWARD, 10, 11), new ClientSpan(2, Kind.UPLOAD, 11, 13),
            new ClientSpan(2, Kind.WAIT, 13, 20), new ClientSpan(2, Kind.BACKWARD, 20, 22),
            new ClientSpan(7, Kind.FORWARD, 10, 14), new ClientSpan(7, Kind.UPLOAD, 14, 19),
            new ClientSpan(7, Kind.WAIT, 19, 20), new ClientSpan(7, Kind.BACKWARD, 20, 28),
            new ClientSpan(0, Kind.FORWARD, 10, 12), new ClientSpan(0, Kind.UPLOAD, 12, 15),
            new ClientSpan(0, Kind.WAIT, 15, 20), new ClientSpan(0, Kind.BACKWARD, 20, 24),
            new ClientSpan(0, Kind.LORA_UPLOAD, 24, 25));
    private static final List<EventMark> MARKS = List.of(new EventMark(7, 14, "slow x4"),
            new EventMark(null, 20, "server step"), new EventMark(9, 16, "crash"));

    @Test
    void rowsAndSpansComeFromTheData() {
        assertEquals(List.of(0, 2, 7, 9), Timeline.rows(SPANS, MARKS), "every client with a span or a mark, ascending");
        assertEquals(7, Timeline.heldBack(SPANS));
        assertNull(Timeline.heldBack(List.of()));
        XYChart chart = Timeline.chart(SIZE, 4, SPANS, MARKS);
        assertEquals("Round 4 on the virtual clock: client 7 held the round back", chart.getTitle());
        // Rows top to bottom 0, 2, 7, 9 are y = 3, 2, 1, 0; each span is a segment [start, end] at its row.
        XYSeries forward = chart.getSeriesMap().get("forward");
        assertArrayEquals(new double[] {10, 11, Double.NaN, 10, 14, Double.NaN, 10, 12, Double.NaN}, forward.getXData(), 0);
        assertArrayEquals(new double[] {2, 2, Double.NaN, 1, 1, Double.NaN, 3, 3, Double.NaN}, forward.getYData(), 0);
        XYSeries lora = chart.getSeriesMap().get("lora upload");
        assertArrayEquals(new double[] {24, 25, Double.NaN}, lora.getXData(), 0);
        assertEquals(Timeline.COLORS.get(Kind.WAIT), chart.getSeriesMap().get("wait").getLineColor());
        XYSeries events = chart.getSeriesMap().get(Timeline.EVENTS);
        assertArrayEquals(new double[] {14, 16}, events.getXData(), 0, "client events only; node events are lines");
        assertArrayEquals(new double[] {1, 0}, events.getYData(), 0);
        assertEquals(6, chart.getSeriesMap().size());
        var label = chart.getStyler().getyAxisTickLabelsFormattingFunction();
        assertEquals("0", label.apply(3.0));
        assertEquals("9", label.apply(0.0));
        assertTrue(label.apply(2.5).isBlank() && label.apply(-1.0).isBlank());
        assertFalse(label.apply(2.5).equals(label.apply(1.5)), "XChart drops all labels when two are equal");
        assertFalse(Timeline.chart(SIZE, 0, SPANS.subList(0, 4), List.of()).getSeriesMap().containsKey("lora upload"),
                "a kind without spans has no series");
    }

    @Test
    void rendersAPngOfTheConfiguredSizeWithEverySpanKindDrawn(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("out/timeline.png");
        Timeline.write(SIZE, png, 4, SPANS, MARKS);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(560, img.getHeight());
        for (Kind k : Kind.values()) {
            assertTrue(pixels(img, Timeline.COLORS.get(k)) > 50, k + " is not drawn");
        }
        assertTrue(pixels(img, Timeline.EVENT_COLOR) > 20, "events are not drawn");
    }

    private static int pixels(BufferedImage img, Color c) {
        int n = 0;
        for (int x = 0; x < img.getWidth(); x++) {
            for (int y = 0; y < img.getHeight(); y++) {
                n += (img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF) ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void theDefaultRoundIsTheSlowest() {
        List<RoundRecord> rounds = List.of(round(0, 0, 10), round(1, 10, 35), round(2, 35, 60), round(3, 60, 70));
        assertEquals(1, Timeline.slowestRound(rounds), "25 s, the first of two 25 s rounds");
    }

    private static RoundRecord round(int r, double startS, double endS) {
        return new RoundRecord(r, startS, endS, 1, 2, 4, 3, List.of(), null, null, 0, 0,
                new RoundRecord.Breakdown(1, 0, 0, 0, 0), 0, null, List.of());
    }
}
