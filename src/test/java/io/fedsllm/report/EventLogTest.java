package io.fedsllm.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.fedsllm.results.EventRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    @Test
    void writesOneJsonObjectPerEventWithSortedDetailsAndCountsTypes(@TempDir Path dir) throws Exception {
        try (EventLog log = new EventLog(dir)) {
            log.write(EventRecord.of(1, 0, 105.25, "crash-client", "fired", List.of(3), null, "left out of round 1",
                    Map.of("line", 7, "atRound", 1, "clients", List.of(3))));
            log.write(EventRecord.of(1, 4, 131.5, "barrier-wait", "waited", List.of(0, 1, 2), null,
                    "barrier waited 2.310 s for client 4", Map.of("waitedS", 2.31)));
            log.write(EventRecord.of(2, null, 210.0, "crash-main-server", "fired", List.of(), "main-server", null, Map.of()));
            log.write(EventRecord.of(2, 0, 210.0, "crash-client", "rejoined", List.of(3), null, null, Map.of()));
            assertEquals(Map.of("barrier-wait", 1, "crash-client", 2, "crash-main-server", 1), log.counts());
        }
        List<String> lines = Files.readAllLines(dir.resolve(EventLog.FILE));
        assertEquals(4, lines.size());
        assertEquals("{\"round\":1,\"iteration\":0,\"virtualTimeS\":105.25,\"type\":\"crash-client\",\"phase\":\"fired\","
                + "\"clients\":[3],\"node\":null,\"effect\":\"left out of round 1\","
                + "\"details\":{\"atRound\":1,\"clients\":[3],\"line\":7}}", lines.get(0));
        JsonNode node = RunWriter.JSON.readTree(lines.get(2));
        assertEquals("main-server", node.get("node").asText());
        assertEquals(true, node.get("iteration").isNull());
        SortedMap<String, Object> details = EventRecord.of(0, 0, 0, "t", "p", List.of(), null, null,
                Map.of("b", 1, "a", 2)).details();
        assertEquals(List.of("a", "b"), List.copyOf(details.keySet()));
    }
}
