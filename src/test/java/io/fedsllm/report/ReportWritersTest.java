package io.fedsllm.report;

import io.fedsllm.results.RoundRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWritersTest {

    @Test
    void csvQuotesAndKeepsNumbersExact(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/x.csv");
        try (CsvWriter w = new CsvWriter(f, List.of("name", "value"))) {
            w.row("a,b", 0.1);
            w.row("say \"hi\"", 12345678901L);
        }
        assertEquals(List.of("name,value", "\"a,b\",0.1", "\"say \"\"hi\"\"\",12345678901"), Files.readAllLines(f));
    }

    private static RoundRecord round(int r, double endS, Double trainLoss, Double valLoss) {
        return new RoundRecord(r, endS - 1, endS, 1, 2, 4, 3, List.of(), trainLoss, valLoss, 0, 0,
                new RoundRecord.Breakdown(1, 0, 0, 0, 0), 0, null, List.of());
    }

    @Test
    void timeToTargetIsOnTheValidationLossOnly(@TempDir Path dir) throws Exception {
        // Run a: the training loss reaches 2.0 in round 0, the validation loss only in round 2.
        RunComparison.Run a = new RunComparison.Run(dir.resolve("a"), "sfl", "real", 3,
                List.of(round(0, 10, 1.9, 2.5), round(1, 20, 1.8, 2.1), round(2, 30, 1.7, 1.95)));
        // Run b: training losses only (no validation loss): no time to target.
        RunComparison.Run b = new RunComparison.Run(dir.resolve("b"), "sfl", "real", 3,
                List.of(round(0, 10, 1.5, null)));
        // Run c: validation losses that never reach the target.
        RunComparison.Run c = new RunComparison.Run(dir.resolve("c"), "fl", "real", 3, List.of(round(0, 12, 1.0, 2.4)));
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        RunComparison.compare(List.of(a, b, c), 2.0, dir.resolve("out"), io.fedsllm.config.ChartSettings.shipped(),
                new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));
        List<String> csv = Files.readAllLines(dir.resolve("out/time-to-target.csv"));
        assertEquals("run,scheme,mode,clients,rounds,virtualSeconds,finalValLoss,targetLoss,timeToTargetS", csv.get(0));
        assertTrue(csv.get(1).endsWith(",1.95,2.0,30.0"), csv.get(1));
        assertTrue(csv.get(2).endsWith(",,2.0,n/a"), csv.get(2));
        assertTrue(csv.get(3).endsWith(",2.4,2.0,"), csv.get(3));
        String table = console.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(table.contains("30.000") && table.contains("n/a") && table.contains("not reached"), table);
        assertTrue(Files.size(dir.resolve("out/loss.png")) > 0);
    }

    @Test
    void chartIsAReadablePng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        Charts.lines(io.fedsllm.config.ChartSettings.shipped(), png, "t", "x", "y", false, true,
                List.of(new Charts.Series("s", new double[] {1, 2, 3}, new double[] {10, 100, 1000})));
        var img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertTrue(img.getHeight() > 0);
    }
}
