package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class RunReportCommandTest {

    @Test
    void runWritesEveryOutputAndReportOverlaysRuns(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("sfl");
        Path b = tmp.resolve("sl");
        assertEquals(0, Main.run("run", "--mode", "analytic", "--rounds", "2", "--seed", "5", "--out", a.toString(),
                "--set", "emu.progress=false"));
        assertEquals(0, Main.run("run", "--scheme", "sl", "--mode", "analytic", "--clients", "3", "--rounds", "2",
                "--out", b.toString(), "--set", "emu.progress=false"));
        for (String f : new String[] {"rounds.jsonl", "wall.jsonl", "summary.json", "breakdown.png"}) {
            assertTrue(Files.size(a.resolve(f)) > 0, f);
        }
        JsonNode s = new ObjectMapper().readTree(a.resolve("summary.json").toFile());
        assertEquals("sfl", s.get("scheme").asText());
        assertEquals("analytic", s.get("mode").asText());
        assertEquals(5, s.get("clients").asInt());
        assertEquals(2, s.get("rounds").asInt());
        assertEquals(5, s.get("seed").asLong());
        assertTrue(s.get("finalValLoss").isNull());
        assertTrue(s.get("virtualSeconds").asDouble() > 0 && s.get("messages").asLong() > 0
                && s.get("bytesMain").asLong() > 0 && s.get("bytesFed").asLong() > 0 && s.has("wallSeconds"));
        assertEquals(2, Files.readAllLines(a.resolve("rounds.jsonl")).size());
        assertEquals(3, new ObjectMapper().readTree(b.resolve("summary.json").toFile()).get("clients").asInt());

        Path out = tmp.resolve("report");
        assertEquals(0, Main.run("report", a.toString(), b.toString(), "--out", out.toString()));
        assertTrue(Files.size(out.resolve("virtual-time.png")) > 0);
        assertEquals(3, Files.readAllLines(out.resolve("time-to-target.csv")).size());
    }

    @Test
    void outDirectoriesWithSpacesAndQuotesAreTakenAsGiven(@TempDir Path tmp) throws Exception {
        Path odd = tmp.resolve("run \"one\" \\ two");
        assertEquals(0, Main.run("run", "--mode", "analytic", "--rounds", "1", "--out", odd.toString(),
                "--set", "emu.progress=false"));
        assertEquals(1, Files.readAllLines(odd.resolve("rounds.jsonl")).size());
        // report without --out writes to report.out-dir
        Path reportDir = tmp.resolve("rep");
        assertEquals(0, Main.run("report", odd.toString(), "--set", "report.out-dir=\"" + reportDir + "\""));
        assertEquals(2, Files.readAllLines(reportDir.resolve("time-to-target.csv")).size());
    }

    @Test
    void runAndReportDrawAtTheConfiguredChartSize(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, Main.run("run", "--mode", "analytic", "--rounds", "1", "--out", run.toString(),
                "--set", "emu.progress=false", "--set", "report.chart-width-px=640", "--set", "report.chart-height-px=480"));
        java.awt.image.BufferedImage breakdown = javax.imageio.ImageIO.read(run.resolve("breakdown.png").toFile());
        assertEquals(640, breakdown.getWidth());
        assertEquals(480, breakdown.getHeight());
        Path out = tmp.resolve("rep");
        assertEquals(0, Main.run("report", run.toString(), "--out", out.toString(), "--set", "report.chart-width-px=300"));
        assertEquals(300, javax.imageio.ImageIO.read(out.resolve("virtual-time.png").toFile()).getWidth());
        assertEquals(Main.USER_ERROR, Main.run("report", run.toString(), "--out", out.toString(),
                "--set", "report.chart-width-px=20"));
    }

    @Test
    void badInputIsAUserError(@TempDir Path tmp) {
        assertEquals(Main.USER_ERROR, Main.run("run", "--scheme", "ring", "--out", tmp.toString()));
        assertEquals(Main.USER_ERROR, Main.run("run", "--clients", "500", "--out", tmp.toString()));
        assertEquals(Main.USER_ERROR, Main.run("run", "--set", "emu.slowdown.\"9\"=2", "--out", tmp.toString()));
        assertEquals(Main.USER_ERROR, Main.run("report", tmp.resolve("missing").toString()));
    }

    @Test
    void aDivergingRunExitsWithTwoAndItsMessageWithinAMinute(@TempDir Path tmp) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--rounds", "5", "--out",
                tmp.resolve("run").toString()));
        for (String set : new String[] {"emu.progress=false", "pretrain.cache-dir=\"" + tmp.resolve("cache") + "\"",
                "pretrain.steps=2", "pretrain.batch-size=2", "data.pretrain.documents=50", "data.synthetic.train-mrs=20",
                "data.synthetic.validation-mrs=4", "data.synthetic.test-mrs=2", "system.clients=3", "system.batch-size=2",
                "system.local-iterations=2", "train.eval-examples=4", "train.batch-size=4", "train.learning-rate=1e9"}) {
            args.add("--set");
            args.add(set);
        }
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        long t0 = System.nanoTime();
        int code;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            code = Main.run(args.toArray(String[]::new));
        } finally {
            System.setErr(saved);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Main.USER_ERROR, code, text);
        assertTrue(text.contains("error: training diverged in round") && text.contains("lower fedsllm.train.learning-rate"),
                text);
        assertTrue(seconds < 60, "stopped after " + seconds + " s");
    }
}
