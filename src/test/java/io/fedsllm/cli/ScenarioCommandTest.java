package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsWhatAShippedScenarioMakesHappen() {
        CliRun r = CliRun.of("scenario", "scenarios/client-crash-rejoin.conf");
        assertEquals(0, r.code());
        String out = r.out();
        assertTrue(out.contains("client 3 crashes at round 1 and rejoins at round 2"), out);
        assertTrue(out.contains("1 events, 2 occurrences; straggler policy wait-all; 5 clients started per round"), out);
        assertTrue(out.contains("crash-client       fired    {atRound=1, atIteration=0}  clients [3]"), out);
        assertTrue(out.contains("crash-client       rejoined {atRound=2, atIteration=0}  clients [3]"), out);
        CliRun json = CliRun.of("scenario", "--json", "scenarios/straggler.conf");
        assertEquals(0, json.code());
        assertTrue(json.out().startsWith("{\"type\":\"slow-client\",\"line\":12,\"clients\":[2],\"atRound\":1,"), json.out());
    }

    @Test
    void aMalformedScenarioExitsWithTwoNamingFileAndLine() throws Exception {
        Path f = dir.resolve("late.conf");
        Files.writeString(f, "events = [\n  { type = crash-client, client = 0, at-round = 5 }\n]\n");
        CliRun r = CliRun.of("scenario", f.toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().startsWith("error: " + f + ":2: event 1 (crash-client): at-round = 5 is after the last round 2"),
                r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace");
        // The same file is fine for a longer run.
        assertEquals(0, CliRun.of("scenario", f.toString(), "--set", "emu.rounds=6").code());
    }
}
