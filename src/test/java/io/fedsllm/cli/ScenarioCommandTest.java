package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioCommandTest {
    @TempDir
    Path dir;

    /** Runs the command line with stdout and stderr captured: [exit code, stdout, stderr]. */
    private static Object[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Object[] {code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void listsWhatAShippedScenarioMakesHappen() {
        Object[] r = run("scenario", "scenarios/client-crash-rejoin.conf");
        assertEquals(0, r[0]);
        String out = (String) r[1];
        assertTrue(out.contains("client 3 crashes at round 1 and rejoins at round 2"), out);
        assertTrue(out.contains("1 events, 2 occurrences; straggler policy wait-all; 5 clients started per round"), out);
        assertTrue(out.contains("crash-client       fired    {atRound=1, atIteration=0}  clients [3]"), out);
        assertTrue(out.contains("crash-client       rejoined {atRound=2, atIteration=0}  clients [3]"), out);
        Object[] json = run("scenario", "--json", "scenarios/straggler.conf");
        assertEquals(0, json[0]);
        assertTrue(((String) json[1]).startsWith("{\"type\":\"slow-client\",\"line\":11,\"clients\":[2],\"atRound\":1,"), (String) json[1]);
    }

    @Test
    void aMalformedScenarioExitsWithTwoNamingFileAndLine() throws Exception {
        Path f = dir.resolve("late.conf");
        Files.writeString(f, "events = [\n  { type = crash-client, client = 0, at-round = 5 }\n]\n");
        Object[] r = run("scenario", f.toString());
        assertEquals(Main.USER_ERROR, r[0]);
        assertTrue(((String) r[2]).startsWith("error: " + f + ":2: event 1 (crash-client): at-round = 5 is after the last round 2"),
                (String) r[2]);
        assertTrue(!((String) r[2]).contains("\tat "), "no stack trace");
        // The same file is fine for a longer run.
        assertEquals(0, run("scenario", f.toString(), "--set", "emu.rounds=6")[0]);
    }
}
