package io.fedsllm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a valid scenario answers: windows on each clock, combined effects, deterministic drops, what fires when. */
class ScenarioTest {
    @TempDir
    Path dir;

    private Scenario scenario(String text, String... sets) throws IOException {
        Path f = dir.resolve("s.conf");
        Files.writeString(f, text);
        return Scenario.load(f, ConfigLoader.withSets(sets));
    }

    private static Position at(int round, int iteration) {
        return new Position(round, iteration, 0);
    }

    @Test
    void overlappingEffectsCombine() throws IOException {
        Scenario s = scenario("events = [\n"
                + "  { type = slow-client, clients = [1, 2], at-round = 0, duration-rounds = 2, factor = 2 }\n"
                + "  { type = slow-client, client = 2, at-round = 1, duration = forever, factor = 3 }\n"
                + "  { type = link-fade, client = 2, links = [main, fed], loss-db = 5, at-round = 1, duration-rounds = 1 }\n"
                + "  { type = link-fade, client = 2, links = [main], loss-db = 7.5, at-round = 1, duration-rounds = 1 }\n"
                + "  { type = drop-messages, client = 2, links = [fed], probability = 0.5, at-round = 0, duration = forever }\n"
                + "  { type = drop-messages, client = 2, links = [fed], probability = 0.2, at-round = 0, duration = forever }\n"
                + "]\n");
        assertEquals(2.0, s.computeFactor(2, at(0, 3)), 0);
        assertEquals(6.0, s.computeFactor(2, at(1, 3)), 0);
        assertEquals(3.0, s.computeFactor(2, at(2, 3)), 0);
        assertEquals(1.0, s.computeFactor(0, at(1, 3)), 0);
        assertEquals(12.5, s.extraLossDb(2, Link.MAIN, at(1, 0)), 0);
        assertEquals(5.0, s.extraLossDb(2, Link.FED, at(1, 20)), 0);
        assertEquals(1 - 0.5 * 0.8, s.dropProbability(2, Link.FED, at(2, 20)), 1e-15);
        assertEquals(0.0, s.dropProbability(2, Link.MAIN, at(2, 20)), 0);
    }

    @Test
    void aDurationInIterationsRunsAcrossTheRoundAndCoversItsLoraPhase() throws IOException {
        // I = 20: iterations 18, 19 of round 0 (and round 0's LoRA phase, which belongs to iteration 19), 0 and 1 of round 1.
        Scenario s = scenario("events = [ { type = link-outage, client = 0, links = [fed], at-round = 0, at-iteration = 18, "
                + "duration-iterations = 4 } ]\n");
        assertFalse(s.outage(0, Link.FED, at(0, 17)));
        assertTrue(s.outage(0, Link.FED, at(0, 18)));
        assertTrue(s.outage(0, Link.FED, at(0, 20)));
        assertTrue(s.outage(0, Link.FED, at(1, 1)));
        assertFalse(s.outage(0, Link.FED, at(1, 2)));
        assertEquals(Double.POSITIVE_INFINITY, s.outageEndS(0, Link.FED, at(1, 0)), "a step window's end is not a time");
        List<Occurrence> ends = s.firing(at(1, 2), at(1, 3));
        assertEquals(1, ends.size());
        assertEquals(Occurrence.Phase.ENDED, ends.get(0).phase());
    }

    @Test
    void timeWindowsAreHalfOpenAndTimeCrashesRejoinAfterSeconds() throws IOException {
        Scenario s = scenario("events = [\n"
                + "  { type = slow-client, client = 4, at-time-s = 100, duration-s = 50, factor = 10 }\n"
                + "  { type = crash-client, client = 1, at-time-s = 30.5, rejoin-after-s = 60 }\n"
                + "]\n");
        assertEquals(1.0, s.computeFactor(4, new Position(0, 0, 99.999)), 0);
        assertEquals(10.0, s.computeFactor(4, new Position(5, 3, 100)), 0, "the time clock ignores round and iteration");
        assertEquals(1.0, s.computeFactor(4, new Position(0, 0, 150)), 0);
        assertFalse(s.crashed(1, new Position(0, 0, 30)));
        assertTrue(s.crashed(1, new Position(0, 0, 30.5)));
        assertFalse(s.crashed(1, new Position(2, 0, 90.5)));
        assertTrue(s.crashesAt(0).isEmpty(), "a crash at a time is not a round-start crash");
        List<Occurrence> fired = s.firing(new Position(0, 5, 20), new Position(0, 6, 100));
        assertEquals(List.of(Occurrence.Phase.FIRED, Occurrence.Phase.REJOINED),
                fired.stream().map(Occurrence::phase).toList());
        assertTrue(s.firing(new Position(0, 6, 100), new Position(0, 7, 100.5)).stream()
                .anyMatch(o -> o.phase() == Occurrence.Phase.STARTED), "[from, to): a trigger at from fires");
    }

    @Test
    void messageDropsAreDrawnFromTheirOwnStreamNotFromCallOrder() throws IOException {
        String text = "events = [ { type = drop-messages, clients = [0, 1, 2, 3, 4], links = [main, fed], probability = 0.3, "
                + "at-round = 0, duration = forever } ]\n";
        Scenario s = scenario(text, "emu.rounds=40");
        boolean[][][] first = new boolean[5][40][21];
        int lost = 0;
        for (int c = 0; c < 5; c++) {
            for (int r = 0; r < 40; r++) {
                for (int i = 0; i <= 20; i++) {
                    first[c][r][i] = s.dropped(c, MessageKind.ACTIVATIONS, at(r, i));
                    lost += first[c][r][i] ? 1 : 0;
                }
            }
        }
        // 4200 Bernoulli(0.3) draws: sd 30; ±150 never flakes.
        assertEquals(0.3 * 4200, lost, 150);
        // Asked again in reverse order, by another instance with an extra unrelated event: the same answers.
        Scenario again = scenario(text.replace("]\n", ",\n  { type = crash-fed-server, at-round = 1 } ]\n"), "emu.rounds=40");
        for (int c = 4; c >= 0; c--) {
            for (int r = 39; r >= 0; r--) {
                for (int i = 20; i >= 0; i--) {
                    assertEquals(first[c][r][i], again.dropped(c, MessageKind.ACTIVATIONS, at(r, i)));
                }
            }
        }
        int same = 0;
        for (int r = 0; r < 40; r++) {
            same += s.dropped(0, MessageKind.GRADIENTS, at(r, 3)) == first[0][r][3] ? 1 : 0;
        }
        assertTrue(same < 40, "activations and gradients draw apart");
        Scenario otherSeed = scenario(text, "emu.rounds=40", "seed=2");
        int agree = 0;
        for (int r = 0; r < 40; r++) {
            agree += otherSeed.dropped(1, MessageKind.ACTIVATIONS, at(r, 0)) == first[1][r][0] ? 1 : 0;
        }
        assertTrue(agree < 40, "the seed changes the draws");
        assertFalse(s.dropped(0, MessageKind.ACTIVATIONS, at(0, 0)) && s.dropProbability(0, Link.MAIN, at(0, 0)) == 0);
    }

    @Test
    void eventsDescribeThemselvesForEventsJsonl() throws IOException {
        Scenario s = scenario("description = \"d\"\nevents = [\n"
                + "  { type = link-fade, clients = [3, 1], links = [fed, main], loss-db = 6, at-round = 1, at-iteration = 2, "
                + "duration-rounds = 1 }\n]\n");
        Map<String, Object> d = s.events().get(0).describe();
        assertEquals("link-fade", d.get("type"));
        assertEquals(3, d.get("line"));
        assertEquals(List.of(1, 3), d.get("clients"));
        assertEquals(List.of("main", "fed"), d.get("links"));
        assertEquals(1, d.get("atRound"));
        assertEquals(2, d.get("atIteration"));
        assertEquals("rounds", d.get("durationUnit"));
        assertEquals(1.0, d.get("duration"));
        assertEquals(6.0, d.get("lossDb"));
        Map<String, Object> end = s.occurrences().get(1).describe();
        assertEquals("ended", end.get("phase"));
        assertEquals(2, end.get("occursAtRound"));
        assertEquals(2, end.get("occursAtIteration"));
    }

    @Test
    void noScenarioMeansNoEffectsAndTheConfiguredPolicy() {
        ScenarioContext ctx = ScenarioContext.from(ConfigLoader.withSets("emu.straggler-policy=deadline",
                "emu.deadline-factor=2.5"));
        Scenario none = Scenario.none(ctx);
        assertEquals(new StragglerPolicy.Deadline(2.5), none.stragglerPolicy());
        assertEquals(5, none.clientsStarted());
        assertEquals(1.0, none.computeFactor(0, at(0, 0)), 0);
        assertFalse(none.dropped(0, MessageKind.LORA_UPLOAD, at(0, 20)));
        assertTrue(none.present(4, at(2, 0)));
        assertTrue(none.occurrences().isEmpty());
    }

    @Test
    void aPartitionedNodeTakesDownEveryLinkThroughItWhileInForce() throws IOException {
        Scenario s = scenario("events = [\n  { type = crash-client, client = 0, at-round = 0 }\n"
                + "  { type = partition-node, node = fed-server, at-round = 1, duration-rounds = 1 }\n"
                + "  { type = partition-node, node = clients, at-time-s = 50, duration-s = 10 }\n]\n");
        assertTrue(s.partitioned(Node.FED_SERVER, at(1, 5)));
        assertFalse(s.partitioned(Node.MAIN_SERVER, at(1, 5)));
        assertTrue(s.outage(3, Link.FED, at(1, 5)), "the fed-server's node cut off: every fed link is down");
        assertFalse(s.outage(3, Link.MAIN, at(1, 5)), "the main links are not");
        assertFalse(s.outage(3, Link.FED, at(2, 0)), "over after its round");
        assertEquals(Double.POSITIVE_INFINITY, s.outageEndS(3, Link.FED, at(1, 5)), "a window on the step clock has no end time");
        Position inside = new Position(0, 3, 55.0);
        assertEquals(60.0, s.outageEndS(4, Link.MAIN, inside), "the clients' node: both links of every client until 60 s");
        assertEquals(60.0, s.outageEndS(0, Link.FED, inside));
        assertEquals(70.0, s.outageEndS(4, Link.MAIN, new Position(0, 3, 70.0)), "after it: none");
        assertTrue(s.effectsInForce(2, inside).contains("clients partitioned"), s.effectsInForce(2, inside));
    }
}
