package io.fedsllm.report;

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

    @Test
    void chartIsAReadablePng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        Charts.lines(png, "t", "x", "y", false, true,
                List.of(new Charts.Series("s", new double[] {1, 2, 3}, new double[] {10, 100, 1000})));
        var img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertTrue(img.getHeight() > 0);
    }
}
