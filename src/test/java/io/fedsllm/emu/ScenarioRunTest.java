package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.results.EventRecord;
import io.fedsllm.results.RoundDetails;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped scenarios (scenarios/*.conf) run in analytic mode, each against the fault-free run with the same seed:
 * what each is meant to show happens, and nothing else does.
 */
class ScenarioRunTest {

    /** The rounds and events of one run. */
    record Run(RunResult result, List<RoundRecord> rounds, List<EventRecord> events, List<RoundDetails> details) {
        List<EventRecord> events(String type) {
            return events.stream().filter(e -> e.type().equals(type)).toList();
        }
    }

    static Run run(String scenario, String... sets) {
        List<String> all = new ArrayList<>(List.of(sets));
        if (scenario != null) {
            all.add("emu.scenario=\"" + Path.of("scenarios", scenario).toAbsolutePath() + "\"");
        }
        all.add("emu.party-timeout=60s"); // a lost message would show as a wait, not a 10-minute hang
        Config c = EmulatorTest.config(all.toArray(String[]::new));
        List<RoundRecord> rounds = new ArrayList<>();
        List<EventRecord> events = new ArrayList<>();
        List<RoundDetails> details = new ArrayList<>();
        RunResult r = Emulator.run(c, new RunSink() {
            @Override
            public void round(RoundRecord record, double wallSeconds) {
                throw new AssertionError("the recorder passes the details");
            }

            @Override
            public void round(RoundRecord record, double wallSeconds, RoundDetails d) {
                rounds.add(record);
                events.addAll(d.events());
                details.add(d);
            }
        });
        return new Run(r, rounds, events, details);
    }

    private static Set<Integer> devices(RoundRecord r) {
        return r.clients().stream().map(RoundRecord.ClientRound::client).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void aStragglerUnderTheDeadlineIsLeftOutOfItsSlowRoundsOnly() {
        Run base = run(null);
        Run run = run("straggler.conf");
        assertEquals(base.rounds().get(0), run.rounds().get(0), "round 0 has no straggler: as without the scenario");
        for (int r = 1; r <= 2; r++) {
            RoundRecord.ClientRound c2 = run.rounds().get(r).clients().stream().filter(c -> c.client() == 2).findFirst()
                    .orElseThrow();
            assertTrue(c2.iterationsLeftOut() > 0, "client 2 is late in round " + r);
        }
        List<EventRecord> deadline = run.events("deadline");
        assertFalse(deadline.isEmpty());
        assertTrue(deadline.stream().allMatch(e -> e.clients().equals(List.of(2)) && e.round() >= 1),
                "only client 2, only in rounds 1-2: " + deadline);
        List<EventRecord> slow = run.events("slow-client");
        assertEquals(List.of("started"), slow.stream().map(EventRecord::phase).toList(), "its start (the end is after the run)");
        assertEquals(1, slow.get(0).round());
    }

    @Test
    void aDeepFadeMakesThePlannerGiveTheClientMoreSpectrumInThatRoundAndAFedFadeInsideIterationsCostsNothing() {
        Run base = run(null);
        Run run = run("deep-fade.conf");
        assertEquals(base.rounds().get(0), run.rounds().get(0), "the fed-link fade of round 0 ends before the LoRA upload");
        RoundRecord.ClientRound before = base.rounds().get(1).clients().get(1);
        RoundRecord.ClientRound faded = run.rounds().get(1).clients().get(1);
        assertEquals(1, faded.client());
        assertTrue(faded.subchannelsMain() > before.subchannelsMain() || faded.activationUploadS() > before.activationUploadS(),
                "20 dB less on client 1's main link: more subchannels, or a slower upload (" + before + " -> " + faded + ")");
        assertTrue(run.rounds().get(1).durationS() > base.rounds().get(1).durationS(), "round 1 is slower under the fade");
        assertFalse(run.events("plan-change").isEmpty(), "the planner's change is in events.jsonl");
        assertEquals(List.of("0 started", "0 ended", "1 started", "2 ended"), run.events("link-fade").stream()
                .map(e -> e.round() + " " + e.phase()).toList(), "each fade starts and ends where the file says");
    }

    @Test
    void aCrashedClientIsDroppedFromItsRoundAndRejoinsWithTheGlobalCopy() {
        Run base = run(null);
        Run run = run("client-crash-rejoin.conf");
        assertEquals(base.rounds().get(0), run.rounds().get(0));
        assertEquals(List.of(3), run.rounds().get(1).dropped());
        assertEquals(Set.of(0, 1, 2, 4), devices(run.rounds().get(1)));
        assertEquals(Set.of(0, 1, 2, 3, 4), devices(run.rounds().get(2)), "client 3 is back in round 2");
        assertEquals(List.of("fired", "rejoined"), run.events("crash-client").stream().map(EventRecord::phase).toList());
    }

    @Test
    void aMainServerCrashRedoesItsRoundFromTheCrashAndLosesOnlyTheTimeSpent() {
        Run base = run(null);
        Run run = run("main-server-crash.conf");
        assertEquals(3, run.rounds().size(), "no round lost");
        assertEquals(base.rounds().get(0), run.rounds().get(0));
        double lost = run.rounds().get(1).virtualStartS() - run.rounds().get(0).virtualEndS();
        assertTrue(lost > 0, "the time until the crash (iteration 10 of round 1) is spent: " + lost);
        for (int r = 1; r < 3; r++) {
            RoundRecord b = base.rounds().get(r);
            RoundRecord x = run.rounds().get(r);
            assertEquals(b.durationS(), x.durationS(), 1e-9, "round " + r + " is done again, only later");
            assertEquals(b.splitLayer(), x.splitLayer());
            assertEquals(b.rank(), x.rank());
            for (int i = 0; i < b.clients().size(); i++) {
                RoundRecord.ClientRound bc = b.clients().get(i);
                RoundRecord.ClientRound xc = x.clients().get(i);
                assertEquals(List.of(bc.client(), bc.subchannelsMain(), bc.subchannelsFed(), bc.iterationsDone()),
                        List.of(xc.client(), xc.subchannelsMain(), xc.subchannelsFed(), xc.iterationsDone()));
                assertEquals(bc.activationUploadS(), xc.activationUploadS(), 1e-9, "the same work, shifted in time");
            }
        }
        List<EventRecord> crash = run.events("crash-main-server");
        assertEquals(1, crash.size(), "it crashes once: the redone round passes the trigger without crashing again");
        assertEquals(10, crash.get(0).iteration());
        assertEquals(run.rounds().get(1).virtualStartS(), crash.get(0).virtualTimeS());
    }

    @Test
    void aFederatedServerCrashAtARoundStartRestartsFromTheCheckpointOfThatInstantAndChangesNoRecord() {
        Run base = run(null);
        Run run = run("fed-server-crash.conf");
        assertEquals(base.rounds(), run.rounds(), "the checkpoint is the state at the crash: nothing is lost");
        assertEquals(1, run.events("crash-fed-server").size());
        assertEquals(2, run.events("crash-fed-server").get(0).round());
    }

    @Test
    void churnChangesWhoIsSelected() {
        Run run = run("churn.conf");
        assertEquals(Set.of(0, 1, 2, 4), devices(run.rounds().get(0)), "device 3 arrives at round 1");
        assertEquals(Set.of(0, 1, 2, 3), devices(run.rounds().get(1)), "device 4 leaves at round 1");
        assertEquals(Set.of(0, 1, 2, 3, 4), devices(run.rounds().get(2)), "and is back at round 2");
        assertEquals(List.of("join", "leave", "join"), run.events().stream().map(EventRecord::type)
                .filter(t -> t.equals("join") || t.equals("leave")).toList());
    }

    @Test
    void lossyLinksLoseTheSameMessagesInEveryRunAndOnlyOnTheLinksNamed() {
        Run a = run("lossy-links.conf");
        Run b = run("lossy-links.conf");
        assertEquals(a.events(), b.events(), "drops are draws of the seed: the same in every run");
        assertEquals(a.rounds(), b.rounds());
        List<EventRecord> lost = a.events("message-lost");
        assertFalse(lost.isEmpty());
        for (EventRecord e : lost) {
            assertTrue(Set.of(0, 1).containsAll(e.clients()), "only clients 0 and 1 lose main-link messages: " + e);
            assertTrue(e.virtualTimeS() >= 10 && e.virtualTimeS() < 70 + 10, "inside the window (or its last arrival): " + e);
        }
        int leftOut = a.rounds().get(0).iterationsLeftOut();
        assertTrue(leftOut > 0, "a lost activation or gradient leaves its client out of the iteration");
        Run other = run("lossy-links.conf", "seed=43");
        assertNotEquals(a.events("message-lost"), other.events("message-lost"), "another seed, other draws");
    }

    @Test
    void aPartitionedNodeHoldsEveryMessageThroughItUntilThePartitionEnds() {
        Run base = run(null);
        Run run = run("partition.conf");
        assertEquals(base.rounds().get(0), run.rounds().get(0), "nothing is cut off in round 0");
        double added = run.rounds().get(1).durationS() - base.rounds().get(1).durationS();
        assertTrue(added > 30 && added <= 40 + 1e-9, "the main server's 40 s partition (150-190 s) holds round 1 back by "
                + "at most its length: " + added);
        assertEquals(base.rounds().get(1).clients().size(), run.rounds().get(1).clients().size(), "nobody is left out");
        assertTrue(run.rounds().get(2).durationS() > base.rounds().get(2).durationS(), "the clients' 10 s partition slows round 2");
        assertEquals(List.of("main-server started 150.0", "main-server ended 190.0", "clients started 280.0",
                "clients ended 290.0"), run.events("partition-node").stream()
                .map(e -> e.node() + " " + e.phase() + " " + e.virtualTimeS()).toList());
    }

    @Test
    void overSelectionKeepsTheFirstKActivationsAndLeavesTheSlowClientOut() {
        Run run = run("over-select.conf", "population.devices=20");
        for (RoundRecord r : run.rounds()) {
            assertEquals(7, r.participants(), "K + 2 clients start");
        }
        List<EventRecord> notKept = run.events("over-select");
        assertFalse(notKept.isEmpty());
        for (EventRecord e : notKept) {
            assertEquals(2, e.clients().size(), "of 7 started, 5 are kept per iteration: " + e);
        }
        for (RoundRecord r : run.rounds()) {
            r.clients().stream().filter(c -> c.client() == 0).forEach(c -> assertEquals(20, c.iterationsLeftOut(),
                    "client 0, 3x slower, is never among the first 5: " + c));
        }
    }

    @Test
    void aPopulationLargerThanTheRoundSelectsKOfItsDevicesEachRoundByTheSeed() {
        Run a = run(null, "population.devices=50", "emu.rounds=4");
        Run b = run(null, "population.devices=50", "emu.rounds=4");
        assertEquals(a.rounds(), b.rounds());
        Set<Set<Integer>> selections = new java.util.HashSet<>();
        for (RoundRecord r : a.rounds()) {
            assertEquals(5, r.participants());
            assertTrue(devices(r).stream().allMatch(d -> d >= 0 && d < 50));
            selections.add(devices(r));
        }
        assertTrue(selections.size() > 1, "random selection picks other devices in other rounds: " + selections);
    }

    @Test
    void theRunWritesEventsAndTheTimelineOfTheSlowestRound(@TempDir Path dir) throws Exception {
        Config c = EmulatorTest.config("emu.scenario=\"" + Path.of("scenarios", "straggler.conf").toAbsolutePath() + "\"");
        Path out = dir.resolve("run");
        try (io.fedsllm.report.RunWriter w = new io.fedsllm.report.RunWriter(out, null, 3,
                io.fedsllm.config.ChartSettings.shipped()).timeline(new io.fedsllm.config.TimelineSettings(-1, 40))) {
            RunResult r = Emulator.run(c, w);
            w.finish(r, 42, null);
        }
        List<String> lines = Files.readAllLines(out.resolve("events.jsonl"));
        assertFalse(lines.isEmpty());
        assertTrue(Files.size(out.resolve("timeline.png")) > 1000);
        assertFalse(Files.exists(out.resolve("timeline.partial.png")));
        Map<?, ?> summary = new com.fasterxml.jackson.databind.ObjectMapper().readValue(out.resolve("summary.json").toFile(),
                Map.class);
        Map<?, ?> counts = (Map<?, ?>) summary.get("events");
        assertEquals(lines.size(), counts.values().stream().mapToInt(v -> ((Number) v).intValue()).sum());
    }

    @Test
    void withoutAScenarioNothingButTheConfiguredPolicyIsNoted() {
        Run run = run(null);
        assertTrue(run.events().isEmpty(), "a fault-free wait-all run notes nothing: " + run.events());
    }
}
