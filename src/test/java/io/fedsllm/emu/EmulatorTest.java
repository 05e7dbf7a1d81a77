package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.report.RunWriter;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class EmulatorTest {
    /** Every message of the actor and emulator tests really crosses serialization, as between JVMs. */
    static final Config SERIALIZE = ConfigFactory.parseString("pekko.actor.serialize-messages = on");

    static Config config(String... sets) {
        String[] base = {"emu.mode=analytic", "emu.progress=false", "radio.shadowing=quasi-static"};
        String[] all = new String[base.length + sets.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(sets, 0, all, base.length, sets.length);
        return SERIALIZE.withFallback(ConfigLoader.withSets(all));
    }

    /** Role → "Outer$Inner" names of the message classes it received. */
    static Map<String, Set<String>> shortTypes(RunResult r) {
        Map<String, Set<String>> out = new java.util.TreeMap<>();
        r.receivedTypes().forEach((role, names) -> out.put(role, names.stream()
                .map(n -> n.substring(n.lastIndexOf('.') + 1)).collect(java.util.stream.Collectors.toSet())));
        return out;
    }

    private static void assertBreakdownSumsToDuration(RoundRecord rec) {
        assertEquals(rec.durationS(), rec.breakdown().sumS(), 1e-9 * rec.durationS(), "round " + rec.round());
    }

    /** The round lasts the delay model's T_round (centralized round 0: after the shards' upload). */
    static void assertMatchesPlan(RoundRecord rec) {
        double rel = Math.abs(rec.durationS() - rec.breakdown().dataUploadS() - rec.plannedRoundS()) / rec.plannedRoundS();
        assertTrue(rel < 1e-9, "round " + rec.round() + ": emulated " + rec.durationS() + " s vs delay model "
                + rec.plannedRoundS() + " s");
    }

    @Test
    void roundLatencyEqualsAnalyticModel() {
        RunResult r = Emulator.run(config("emu.rounds=3"), RunSink.NONE);
        assertEquals(3, r.rounds().size());
        double t = 0;
        for (RoundRecord rec : r.rounds()) {
            assertEquals(t, rec.virtualStartS(), 0.0, "rounds follow each other on the virtual clock");
            assertMatchesPlan(rec);
            assertBreakdownSumsToDuration(rec);
            assertEquals(0, rec.iterationsLeftOut());
            t = rec.virtualEndS();
        }
        assertEquals(t, r.virtualSeconds(), 0.0);
        assertEquals(0, r.rejected());
    }

    @Test
    void roundLatencyEqualsAnalyticModelWithPerRoundShadowingAndEqualPlanner() {
        RunResult r = Emulator.run(config("emu.rounds=2", "radio.shadowing=per-round", "emu.planner=equal",
                "system.clients=8"), RunSink.NONE);
        for (RoundRecord rec : r.rounds()) {
            assertMatchesPlan(rec);
        }
        assertNotEquals(r.rounds().get(0).durationS(), r.rounds().get(1).durationS(), "shadowing is redrawn per round");
    }

    @Test
    void sameSeedGivesByteIdenticalRoundsJsonl(@TempDir Path tmp) throws Exception {
        byte[] a = runToDir(tmp.resolve("a"), "seed=7");
        byte[] b = runToDir(tmp.resolve("b"), "seed=7");
        byte[] c = runToDir(tmp.resolve("c"), "seed=8");
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c), "another seed gives another run");
        assertTrue(Files.exists(tmp.resolve("a/summary.json")) && Files.exists(tmp.resolve("a/breakdown.png"))
                && Files.exists(tmp.resolve("a/wall.jsonl")));
        String line = Files.readAllLines(tmp.resolve("a/rounds.jsonl")).get(0);
        for (String field : List.of("round", "virtualStartS", "virtualEndS", "splitLayer", "rank", "participants",
                "dropped", "trainLoss", "valLoss", "bytesMain", "bytesFed", "breakdown", "forwardS",
                "activationUploadS", "backwardS", "loraUploadS", "subchannelsMain", "subchannelsFed")) {
            assertTrue(line.contains("\"" + field + "\""), field + " in " + line);
        }
        assertTrue(line.contains("\"trainLoss\":null"), "analytic mode records no loss");
        assertFalse(line.contains("wall"), "no wall-clock value in rounds.jsonl");
    }

    @Test
    void sameSeedGivesByteIdenticalRoundsJsonlWithDeadlinesAKilledClientAndPerRoundShadowing(@TempDir Path tmp)
            throws Exception {
        String[] sets = {"seed=11", "radio.shadowing=per-round", "emu.straggler-policy=deadline",
                "emu.deadline-factor=1.2", "emu.slowdown.\"2\"=100", "emu.slowdown.\"0\"=1.1", "emu.kill-at-round.\"3\"=1",
                "emu.kill-at-round.\"1\"=2"};
        byte[] a = runToDir(tmp.resolve("a"), sets);
        byte[] b = runToDir(tmp.resolve("b"), sets);
        assertArrayEquals(a, b);
        List<String> lines = Files.readAllLines(tmp.resolve("a/rounds.jsonl"));
        assertTrue(lines.get(1).contains("\"dropped\":[3]") && lines.get(2).contains("\"dropped\":[1]"), lines.toString());
        for (String line : lines) {
            RoundRecord rec = new com.fasterxml.jackson.databind.ObjectMapper().readValue(line, RoundRecord.class);
            assertTrue(rec.iterationsLeftOut() > 0, "the deadline left iterations out: " + line);
        }
    }

    private static byte[] runToDir(Path dir, String... sets) throws Exception {
        Config c = config(sets);
        try (RunWriter w = new RunWriter(dir, null, 3, io.fedsllm.config.ChartSettings.shipped())) {
            String[] all = new String[sets.length + 1];
            System.arraycopy(sets, 0, all, 0, sets.length);
            all[sets.length] = "emu.rounds=3";
            c = config(all);
            RunResult r = Emulator.run(c, w);
            w.finish(r, ConfigReader.root(c).getLong("seed"), null);
        }
        return Files.readAllBytes(dir.resolve("rounds.jsonl"));
    }

    @Test
    void rolesAreSeparated() {
        RunResult r = Emulator.run(config("emu.rounds=2"), RunSink.NONE);
        Map<String, Set<String>> types = shortTypes(r);
        // Protocol messages only: wiring, timers, checkpoints and the end of the run are not counted (Control).
        assertEquals(Set.of("MainServer$Configure", "MainServer$Activations", "MainServer$BackwardDone"),
                types.get(MainServer.ROLE));
        assertEquals(Set.of("FedServer$Configure", "FedServer$ServerBlocks", "FedServer$Upload", "FedServer$UploadsDue"),
                types.get(FedServer.ROLE));
        // The main server never receives client LoRA; the federated server never activations, gradients or labels.
        RoleSeparationTest.assertRolesSeparated(r.receivedTypes());
    }

    @Test
    void splitMovesBetweenRoundsCarryTheLoraWithNothingLostOrDuplicated() {
        // A server about as fast as the clients together: the best split changes with each round's shadowing.
        RunResult r = Emulator.run(config("emu.rounds=8", "radio.shadowing=per-round",
                "compute.server-flops-per-cycle=5300"), RunSink.NONE);
        Set<Integer> splits = new java.util.TreeSet<>();
        for (RoundRecord rec : r.rounds()) {
            splits.add(rec.splitLayer());
            assertMatchesPlan(rec);
        }
        assertTrue(splits.size() >= 3, "the split moved: " + splits);
        // Both directions happened, and the coordinator's per-round ownership check (every block once) held.
        assertTrue(shortTypes(r).get(MainServer.ROLE).contains("MainServer$AdoptBlocks"));
        assertTrue(shortTypes(r).get(FedServer.ROLE).contains("FedServer$ServerBlocks"));
        assertEquals(0, r.rejected());
        RoleSeparationTest.assertRolesSeparated(r.receivedTypes());
    }

    @Test
    void fedAvgIsWeightedBySampleCount() {
        Config c = config("emu.rounds=2", "seed=3");
        RunResult r = Emulator.run(c, RunSink.NONE);
        int[] samples = new int[5];
        for (int d = 0; d < 5; d++) {
            samples[d] = Kits.analyticSamples(3, d, EmuSettings.from(ConfigReader.root(c)));
        }
        int total = 0;
        for (int s : samples) {
            total += s;
        }
        for (RoundRecord rec : r.rounds()) {
            double sum = 0;
            for (RoundRecord.ClientRound cr : rec.clients()) {
                assertEquals((double) samples[cr.client()] / total, cr.fedWeight(), 1e-15);
                sum += cr.fedWeight();
            }
            assertEquals(1.0, sum, 1e-12);
            assertNotEquals(rec.clients().get(0).fedWeight(), rec.clients().get(1).fedWeight(), "not a plain mean");
        }
    }

    @Test
    void deadlinePolicyLeavesASlowedClientOutOfIterationsAndItRejoinsAtAggregation() {
        RunResult deadline = Emulator.run(config("emu.rounds=2", "emu.straggler-policy=deadline",
                "emu.deadline-factor=1.2", "emu.slowdown.\"2\"=100"), RunSink.NONE);
        RunResult waitAll = Emulator.run(config("emu.rounds=2", "emu.slowdown.\"2\"=100"), RunSink.NONE);
        for (int i = 0; i < 2; i++) {
            RoundRecord rec = deadline.rounds().get(i);
            assertEquals(5, rec.participants(), "the slow client stays a participant: it rejoins every round");
            for (RoundRecord.ClientRound cr : rec.clients()) {
                if (cr.client() == 2) {
                    assertEquals(20, cr.iterationsLeftOut());
                    assertEquals(0, cr.iterationsDone());
                    assertEquals(0.0, cr.fedWeight(), "it trained nothing: not averaged in, gets the new global copy");
                } else {
                    assertEquals(0, cr.iterationsLeftOut());
                    assertEquals(20, cr.iterationsDone());
                    assertTrue(cr.fedWeight() > 0);
                }
            }
            assertEquals(20, rec.iterationsLeftOut());
            assertBreakdownSumsToDuration(rec);
            RoundRecord slow = waitAll.rounds().get(i);
            assertEquals(0, slow.iterationsLeftOut());
            assertTrue(rec.durationS() < slow.durationS(), "the deadline bounds the wait: " + rec.durationS()
                    + " s vs " + slow.durationS() + " s");
        }
        assertTrue(waitAll.rounds().get(0).durationS() > waitAll.rounds().get(0).plannedRoundS(),
                "wait-all waits for the slowed client");
    }

    @Test
    void deathWatchDropsAKilledClientAndTheRunCompletes() {
        RunResult r = Emulator.run(config("emu.rounds=3", "emu.kill-at-round.\"1\"=1"), RunSink.NONE);
        assertEquals(3, r.rounds().size());
        assertEquals("rounds", r.stopReason());
        assertEquals(List.of(), r.rounds().get(0).dropped());
        assertEquals(List.of(1), r.rounds().get(1).dropped());
        assertEquals(List.of(), r.rounds().get(2).dropped());
        assertEquals(5, r.rounds().get(0).participants());
        for (int i = 1; i < 3; i++) {
            RoundRecord rec = r.rounds().get(i);
            assertEquals(4, rec.participants());
            assertTrue(rec.clients().stream().noneMatch(c -> c.client() == 1));
            assertMatchesPlan(rec);
        }
    }

    @Test
    void theCoordinatorPlansAndWritesOnItsOwnDispatcher() {
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        Emulator.run(config("emu.rounds=2"), (record, wall) -> threads.add(Thread.currentThread().getName()));
        assertEquals(2, threads.size());
        for (String t : threads) {
            assertTrue(t.contains("fedsllm.planning-dispatcher"), "the sink ran on " + t);
        }
    }

    @Test
    void aFailingSinkFailsTheRunWithItsErrorInsteadOfHanging() {
        RunSink failing = (record, wall) -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("disk full"));
        };
        IllegalStateException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> assertThrows(IllegalStateException.class, () -> Emulator.run(config("emu.rounds=2"), failing)),
                "the run must not hang");
        assertTrue(e.getMessage().contains("writing round 0 failed") && e.getMessage().contains("disk full"),
                e.getMessage());
    }

    @Test
    void everySchemeRunsOnTheSameVirtualClock() {
        for (String scheme : List.of("sl", "fl", "centralized")) {
            RunResult r = Emulator.run(config("emu.rounds=2", "emu.scheme=" + scheme), RunSink.NONE);
            assertEquals(scheme, r.scheme());
            assertEquals(2, r.rounds().size());
            for (RoundRecord rec : r.rounds()) {
                assertTrue(rec.durationS() > 0);
                assertMatchesPlan(rec);
                assertBreakdownSumsToDuration(rec);
                assertNull(rec.trainLoss());
            }
        }
    }

    @Test
    void centralizedRoundZeroStartsTrainingOnceEveryShardHasArrived() throws Exception {
        Config c = config("emu.rounds=2", "emu.scheme=centralized");
        RunResult r = Emulator.run(c, RunSink.NONE);
        RoundRecord first = r.rounds().get(0);
        RoundRecord second = r.rounds().get(1);
        // Analytic shards: |D_k| samples of the cost model's seq-len tokens (gpt2-small: 512), 2 bytes per token,
        // uploaded over the round-0 main link with equal subchannels and exact power.
        Config experiment = Emulator.experiment(c);
        EmuSettings emu = EmuSettings.from(ConfigReader.root(experiment));
        long[] bytes = new long[5];
        long total = 0;
        for (int k = 0; k < 5; k++) {
            bytes[k] = Kits.analyticSamples(1, k, emu) * 512L * 2;
            total += bytes[k];
        }
        double uploadS = io.fedsllm.plan.DataUpload.plan(io.fedsllm.net.Deployment.from(experiment).channel(0).main(),
                bytes, 1e-9).durationS();
        assertTrue(uploadS > 0);
        assertEquals(uploadS, first.breakdown().dataUploadS(), 0);
        assertEquals(uploadS + first.plannedRoundS(), first.virtualEndS(), 1e-9 * first.virtualEndS(),
                "round 0 trains after the upload");
        assertEquals(total, first.bytesMain(), "bytesMain counts the shards");
        assertEquals(total, r.bytesMain());
        assertEquals(0, second.breakdown().dataUploadS());
        assertEquals(0, second.bytesMain());
        assertEquals(second.plannedRoundS(), second.durationS(), 1e-9 * second.durationS(), "later rounds are unchanged");
        for (RoundRecord rec : r.rounds()) {
            assertBreakdownSumsToDuration(rec);
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertTrue(json.writeValueAsString(first).contains("\"breakdown\":{\"dataUploadS\":"), "round 0 shows it");
        assertFalse(json.writeValueAsString(second).contains("dataUploadS"), "other rounds' lines are as before");
        assertEquals(first, json.readValue(json.writeValueAsString(first), RoundRecord.class), "and it reads back");
        assertEquals(second, json.readValue(json.writeValueAsString(second), RoundRecord.class));
    }

    @Test
    void analyticModeRejectsATargetLossAndMeasuredCompute() {
        assertThrows(UserError.class, () -> Emulator.run(config("emu.target-loss=2.5"), RunSink.NONE));
        assertThrows(UserError.class, () -> Emulator.run(config("emu.compute-delay=measured"), RunSink.NONE));
        assertThrows(UserError.class, () -> Emulator.run(config("system.clients=100"), RunSink.NONE),
                "100 clients need at least 100 subchannels per link");
    }

    @Test
    void thousandClientsFiveRoundsTwentyIterations() {
        RunResult r = Emulator.run(config("emu.rounds=5", "system.clients=1000", "radio.main.subchannels=1000",
                "radio.fed.subchannels=1000"), RunSink.NONE);
        assertEquals(5, r.rounds().size());
        for (RoundRecord rec : r.rounds()) {
            assertEquals(1000, rec.clients().size());
            assertMatchesPlan(rec);
        }
        // Per iteration and client: StartIteration, Activations, Gradients, BackwardDone; plus per-round messages.
        assertTrue(r.messages() > 5L * 20 * 1000 * 4);
    }

    @Test
    void tenThousandClientsOneRound() {
        RunResult r = Emulator.run(config("emu.rounds=1", "system.clients=10000", "radio.main.subchannels=10000",
                "radio.fed.subchannels=10000", "emu.planner=equal"), RunSink.NONE);
        assertEquals(1, r.rounds().size());
        assertEquals(10000, r.rounds().get(0).participants());
        assertMatchesPlan(r.rounds().get(0));
    }
}
