package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedsllm.config.ChartSettings;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlannerCommandsTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void planJsonHasTheFieldsAndSaneValues() throws Exception {
        CliRun r = run("plan", "--seed", "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("seed").asLong());
        int split = j.get("splitLayer").asInt();
        assertTrue(split >= 1 && split <= 11, "split " + split);
        assertTrue(List.of(1, 2, 4, 6, 8).contains(j.get("rank").asInt()));
        double total = j.get("totalDelaySeconds").asDouble();
        double round = j.get("roundDelaySeconds").asDouble();
        assertTrue(total > 0 && round > 0 && total > round, total + " " + round);
        assertTrue(j.get("bcdIterations").asInt() >= 1);
        assertTrue(j.get("solveMillis").asDouble() > 0);
        for (String f : new String[] {"t1", "t2", "t3", "serverForward", "serverBackward"}) {
            assertTrue(j.get("breakdown").get(f).asDouble() > 0, f);
        }
        for (String b : new String[] {"a", "b", "c", "d"}) {
            assertTrue(j.get("baselines").get(b).get("totalDelaySeconds").asDouble() >= total * (1 - 1e-9), b);
        }
        JsonNode clients = j.get("clients");
        assertEquals(5, clients.size());
        int main = 0;
        int fed = 0;
        for (JsonNode c : clients) {
            main += c.get("subchannelsMain").asInt();
            fed += c.get("subchannelsFed").asInt();
            assertTrue(c.get("powerMainW").asDouble() <= 0.1 * (1 + 1e-9), "p_max = 20 dBm");
            assertTrue(c.get("distanceMainM").asDouble() >= 35 && c.get("gainMainDb").asDouble() < 0);
            assertTrue(c.get("cyclesPerSecond").asDouble() >= 1e9 && c.get("flopsPerCycle").asDouble() == 1024);
            for (String f : new String[] {"distanceFedM", "gainFedDb", "powerFedW", "forwardS", "activationUploadS",
                "backwardS", "loraUploadS"}) {
                assertTrue(c.has(f), f);
            }
            // T1 is the max over clients of forward + activation upload.
            assertTrue(c.get("forwardS").asDouble() + c.get("activationUploadS").asDouble()
                    <= j.get("breakdown").get("t1").asDouble() * (1 + 1e-9));
        }
        assertEquals(160, main);
        assertEquals(80, fed);
        // Same seed, same answer, bit for bit (solve time aside).
        JsonNode again = new ObjectMapper().readTree(run("plan", "--seed", "3", "--json").out());
        assertEquals(j.get("totalDelaySeconds").asDouble(), again.get("totalDelaySeconds").asDouble());
        assertEquals(j.get("clients"), again.get("clients"));
    }

    @Test
    void planTableRuns() {
        CliRun r = run("plan", "--set", "system.clients=3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("total delay") && r.out().contains("baselines:"), r.out());
    }

    @Test
    void sweepWritesCsvAndPng(@TempDir Path dir) throws Exception {
        CliRun r = run("sweep", "--param", "bandwidth", "--values", "10e6,40e6", "--seeds", "2", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("bandwidth.csv"));
        assertEquals("param,value,scheme,mean,min,max,seeds", lines.get(0));
        assertEquals(1 + 2 * 5, lines.size(), String.join("\n", lines));
        double proposedLow = 0;
        double proposedHigh = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals("bandwidth", f[0]);
            assertEquals("2", f[6]);
            double mean = Double.parseDouble(f[3]);
            assertTrue(Double.parseDouble(f[4]) <= mean && mean <= Double.parseDouble(f[5]), line);
            if (f[2].equals("proposed")) {
                if (Double.parseDouble(f[1]) == 10e6) {
                    proposedLow = mean;
                } else {
                    proposedHigh = mean;
                }
            }
        }
        assertTrue(proposedHigh < proposedLow, "more bandwidth, less delay: " + proposedLow + " -> " + proposedHigh);
        BufferedImage png = ImageIO.read(dir.resolve("bandwidth.png").toFile());
        assertTrue(png.getWidth() > 0);
        ChartSettings shipped = ChartSettings.shipped();
        assertEquals(shipped.widthPx(), png.getWidth(), "report.chart-width-px");
        assertEquals(shipped.heightPx(), png.getHeight(), "report.chart-height-px");
    }

    @Test
    void delayMaxSweepWritesCsvAndPngAtTheConfiguredSize(@TempDir Path dir) throws Exception {
        CliRun r = run("sweep", "--param", "delay-max", "--values", "24.6,25.6", "--seeds", "2", "--out", dir.toString(),
                "--set", "report.chart-width-px=640", "--set", "report.chart-height-px=480");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("delay-max.csv") && r.out().contains("delay-max.png"), r.out());
        List<String> lines = Files.readAllLines(dir.resolve("delay-max.csv"));
        assertEquals("param,value,scheme,mean,min,max,seeds", lines.get(0));
        assertEquals(3, lines.size(), String.join("\n", lines));
        String[] tight = lines.get(1).split(",");
        String[] loose = lines.get(2).split(",");
        assertEquals("delay-max", tight[0]);
        assertEquals(24.6, Double.parseDouble(tight[1]), 0);
        assertEquals("energy-rank", tight[2]);
        assertEquals("2", tight[6]);
        assertTrue(Double.parseDouble(loose[3]) >= Double.parseDouble(tight[3]), "a looser delay limit never lowers the rank");
        BufferedImage png = ImageIO.read(dir.resolve("delay-max.png").toFile());
        assertEquals(640, png.getWidth());
        assertEquals(480, png.getHeight());

        CliRun tooSmall = run("sweep", "--param", "delay-max", "--values", "25", "--seeds", "1", "--out", dir.toString(),
                "--set", "report.chart-width-px=20");
        assertEquals(Main.USER_ERROR, tooSmall.code());
        assertTrue(tooSmall.err().contains("fedsllm.report.chart-width-px") && tooSmall.err().contains("20"), tooSmall.err());
    }

    @Test
    void helpListsEveryCommand() {
        CliRun r = run("--help");
        assertEquals(0, r.code(), r.err());
        Set<String> registered = new CommandLine(new Main()).getSubcommands().keySet();
        // The commands of every issue so far; a command dropped from Main fails here.
        assertTrue(registered.containsAll(List.of("help", "run", "report", "plan", "sweep", "bench", "data", "pretrain",
                "train")), registered.toString());
        for (String name : registered) {
            assertTrue(Pattern.compile("(?m)^\\s+" + Pattern.quote(name) + "\\s").matcher(r.out()).find(),
                    "--help does not list '" + name + "':\n" + r.out());
        }
        CliRun bench = run("bench", "--help");
        assertEquals(0, bench.code(), bench.err());
        for (String name : List.of("planner", "train", "emu")) {
            assertTrue(Pattern.compile("(?m)^\\s+" + name + "\\s").matcher(bench.out()).find(),
                    "bench --help does not list '" + name + "':\n" + bench.out());
        }
    }

    @Test
    void benchPlannerPrintsOneTimingLinePerCase() {
        CliRun r = run("bench", "planner", "--set", "planner.bench.cases=3/6/4,4/8/5", "--set", "planner.bench.repetitions=2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        Pattern line = Pattern.compile("K=(\\d+) M=(\\d+) N=(\\d+): median ([\\d.]+) ms, max ([\\d.]+) ms, "
                + "min ([\\d.]+) ms over 2 solves \\((\\d+) BCD iterations, T_total ([\\d.]+) s\\)");
        int[][] sizes = {{3, 6, 4}, {4, 8, 5}};
        for (int i = 0; i < 2; i++) {
            Matcher m = line.matcher(lines.get(i));
            assertTrue(m.matches(), lines.get(i));
            for (int j = 0; j < 3; j++) {
                assertEquals(sizes[i][j], Integer.parseInt(m.group(1 + j)), lines.get(i));
            }
            double median = Double.parseDouble(m.group(4));
            assertTrue(Double.parseDouble(m.group(6)) <= median && median <= Double.parseDouble(m.group(5)), lines.get(i));
            assertTrue(Integer.parseInt(m.group(7)) >= 1 && Double.parseDouble(m.group(8)) > 0, lines.get(i));
        }
    }

    @Test
    void energySweepWritesRanks(@TempDir Path dir) throws Exception {
        CliRun r = run("sweep", "--param", "energy-max", "--values", "4.45,4.7", "--seeds", "2", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("energy-max.csv"));
        assertEquals(3, lines.size(), String.join("\n", lines));
        double low = Double.parseDouble(lines.get(1).split(",")[3]);
        double high = Double.parseDouble(lines.get(2).split(",")[3]);
        assertTrue(high >= low, "a looser energy budget never lowers the rank");
    }

    @Test
    void badSweepInputIsAUserError(@TempDir Path dir) {
        CliRun bad = run("sweep", "--param", "colour", "--out", dir.toString());
        assertEquals(Main.USER_ERROR, bad.code());
        assertTrue(bad.err().contains("colour") && bad.err().contains("bandwidth"), bad.err());
        CliRun values = run("sweep", "--param", "pmax", "--values", "10,abc", "--out", dir.toString());
        assertEquals(Main.USER_ERROR, values.code());
        assertTrue(values.err().contains("abc"), values.err());
        CliRun emptyRanks = run("plan", "--set", "planner.ranks=[]");
        assertEquals(Main.USER_ERROR, emptyRanks.code());
        assertTrue(emptyRanks.err().contains("fedsllm.planner.ranks"), emptyRanks.err());
    }

    @Test
    void benchIsAParentCommand() {
        CliRun r = run("bench");
        assertTrue(r.code() != 0 && r.err().contains("planner"), r.err());
    }

    @Test
    void benchEmuTimesEveryCase() {
        CliRun r = run("bench", "emu", "--set", "emu.bench.cases=20/2/3/bcd,30/1/2/equal,10/3/2/equal/100000");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("N=20 K=20 R=2 I=3 planner=bcd: "), lines.get(0));
        assertTrue(lines.get(1).startsWith("N=30 K=30 R=1 I=2 planner=equal: "), lines.get(1));
        assertTrue(lines.get(2).startsWith("N=100000 K=10 R=3 I=2 planner=equal: "), lines.get(2));
        // per iteration each client sends activations and gets gradients, so at least K * R * I * 2 messages
        long messages = Long.parseLong(lines.get(0).replaceAll(".* (\\d+) messages,.*", "$1"));
        assertTrue(messages >= 20L * 2 * 3 * 2, lines.get(0));

        CliRun bad = run("bench", "emu", "--set", "emu.bench.cases=20/2/3/greedy");
        assertEquals(Main.USER_ERROR, bad.code());
        assertTrue(bad.err().contains("emu.bench.cases") && bad.err().contains("20/2/3/greedy"), bad.err());
        CliRun small = run("bench", "emu", "--set", "emu.bench.cases=20/2/3/bcd/10");
        assertEquals(Main.USER_ERROR, small.code());
        assertTrue(small.err().contains("N >= K"), small.err());
    }
}
