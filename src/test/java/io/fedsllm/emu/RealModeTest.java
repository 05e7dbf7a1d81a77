package io.fedsllm.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.report.RunWriter;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real mode end to end on a very small configuration (tiny model pre-trained for 2 steps in a temporary cache,
 * 20 training MRs, b = 2, 2 local iterations): losses are computed, every scheme runs on the same clock, the
 * same seed gives the same bytes, and the roles stay separated while LoRA weights travel.
 */
@Timeout(300)
class RealModeTest {
    @TempDir
    static Path cache;

    static Config config(String... sets) {
        return config(cache, sets);
    }

    /** The small real-mode configuration with its base cache under {@code dir}. */
    static Config config(Path dir, String... sets) {
        List<String> all = new ArrayList<>(List.of("emu.mode=real", "emu.progress=false", "radio.shadowing=quasi-static",
                "pretrain.cache-dir=\"" + dir.resolve("cache") + "\"", "pretrain.steps=2", "pretrain.batch-size=2",
                "data.pretrain.documents=50", "data.synthetic.train-mrs=20", "data.synthetic.validation-mrs=4",
                "data.synthetic.test-mrs=2", "system.clients=3", "system.batch-size=2", "system.local-iterations=2",
                "train.eval-examples=4", "train.batch-size=4", "emu.rounds=2"));
        all.addAll(List.of(sets));
        return EmulatorTest.SERIALIZE.withFallback(ConfigLoader.withSets(all.toArray(String[]::new)));
    }

    @Test
    void sflComputesLossesAndKeepsRolesSeparated() {
        RunResult r = Emulator.run(config(), RunSink.NONE);
        assertEquals("real", r.mode());
        assertEquals(2, r.rounds().size());
        for (RoundRecord rec : r.rounds()) {
            assertNotNull(rec.trainLoss(), "round " + rec.round());
            assertNotNull(rec.valLoss(), "round " + rec.round());
            assertTrue(Double.isFinite(rec.valLoss()) && rec.valLoss() > 0);
            double rel = Math.abs(rec.durationS() - rec.plannedRoundS()) / rec.plannedRoundS();
            assertTrue(rel < 1e-9, "real mode keeps the analytic clock: " + rec.durationS() + " vs " + rec.plannedRoundS());
        }
        assertEquals(r.rounds().get(1).valLoss(), r.finalValLoss());
        assertEquals(0, r.rejected());
        Map<String, Set<String>> types = EmulatorTest.shortTypes(r);
        RoleSeparationTest.assertRolesSeparated(r.receivedTypes());
        assertEquals(Set.of("FedServer.Upload.weights"), MessageAudit.contentsReceived(r.receivedTypes())
                .get(FedServer.ROLE).get(Carries.Content.CLIENT_LORA), "the check sees the uploads");
        assertEquals(Set.of("RoundEvaluator$Evaluate"), types.get(RoundEvaluator.ROLE));
    }

    @Test
    void everySchemeTrainsOnTheSameClock() {
        for (String scheme : List.of("sl", "fl", "centralized")) {
            RunResult r = Emulator.run(config("emu.scheme=" + scheme, "emu.rounds=1"), RunSink.NONE);
            RoundRecord rec = r.rounds().get(0);
            assertTrue(rec.trainLoss() != null && Double.isFinite(rec.trainLoss()), scheme);
            assertTrue(rec.valLoss() != null && Double.isFinite(rec.valLoss()), scheme);
            EmulatorTest.assertMatchesPlan(rec);
            assertEquals(0, r.rejected(), scheme);
        }
    }

    @Test
    void splitAndRankChangesCarryTheLoraValuesAndTrainingGoesOn() {
        // A slow server: the best split changes with each round's shadowing (as the analytic test of moves).
        // A rank sensitivity of 1 makes the planner change the rank as well.
        RunResult r = Emulator.run(config("emu.rounds=3", "radio.shadowing=per-round",
                "compute.server-flops-per-cycle=300", "planner.rounds-a=1"), RunSink.NONE);
        Set<Integer> splits = new java.util.TreeSet<>();
        Set<Integer> ranks = new java.util.TreeSet<>();
        for (RoundRecord rec : r.rounds()) {
            splits.add(rec.splitLayer());
            ranks.add(rec.rank());
            assertTrue(Double.isFinite(rec.valLoss()), "round " + rec.round());
        }
        assertTrue(splits.size() >= 2 && ranks.size() >= 2, "split and rank changed: " + splits + ", " + ranks);
        assertEquals(0, r.rejected(), "every moved block's LoRA fitted where it arrived");
        RoleSeparationTest.assertRolesSeparated(r.receivedTypes());
    }

    @Test
    void deadlinePolicyKeepsASlowedClientAliveAndItRejoinsEveryRound() {
        // Client 2 is 100 times slower: the deadline leaves it out of every iteration; it drops its pending
        // forwards, sends no LoRA, adopts the next global copy and stays a participant.
        RunResult r = Emulator.run(config("emu.rounds=3", "emu.straggler-policy=deadline", "emu.deadline-factor=1.2",
                "emu.slowdown.\"2\"=100"), RunSink.NONE);
        assertEquals("rounds", r.stopReason());
        assertEquals(3, r.rounds().size());
        for (RoundRecord rec : r.rounds()) {
            assertEquals(3, rec.participants(), "round " + rec.round());
            assertEquals(List.of(), rec.dropped(), "round " + rec.round());
            assertEquals(2, rec.iterationsLeftOut(), "round " + rec.round());
            for (RoundRecord.ClientRound c : rec.clients()) {
                assertEquals(c.client() == 2 ? 2 : 0, c.iterationsLeftOut(), "round " + rec.round() + " client " + c.client());
                assertEquals(c.client() == 2 ? 0 : 2, c.iterationsDone(), "round " + rec.round() + " client " + c.client());
            }
            assertTrue(Double.isFinite(rec.valLoss()), "round " + rec.round());
        }
        assertEquals(0, r.rejected());
    }

    @Test
    void measuredComputeDelaysReplaceTheDelayModel() {
        RunResult r = Emulator.run(config("emu.rounds=1", "emu.compute-delay=measured", "emu.measured-scale=1000"),
                RunSink.NONE);
        RoundRecord rec = r.rounds().get(0);
        assertEquals(rec.durationS(), rec.breakdown().sumS(), 1e-9 * rec.durationS());
        assertEquals(2 * rec.breakdown().serverForwardS(), rec.breakdown().serverBackwardS(), 1e-12);
        assertTrue(Math.abs(rec.durationS() - rec.plannedRoundS()) > 1e-9 * rec.plannedRoundS(),
                "measured compute makes the round differ from the delay model's T_round");
        for (RoundRecord.ClientRound c : rec.clients()) {
            assertTrue(c.forwardS() > 0 && c.backwardS() > 0, "client " + c.client());
        }
    }

    @Test
    void targetLossStopsTheRun() {
        RunResult r = Emulator.run(config("emu.rounds=3", "emu.target-loss=100"), RunSink.NONE);
        assertEquals("target", r.stopReason());
        assertEquals(1, r.rounds().size());
        assertEquals(r.rounds().get(0).virtualEndS(), r.timeToTargetS());
    }

    @Test
    void centralizedTimeToTargetIncludesTheUploadOfTheTokenisedShards() {
        Config c = config("emu.scheme=centralized", "emu.rounds=3", "emu.target-loss=100");
        RunResult r = Emulator.run(c, RunSink.NONE);
        assertEquals("target", r.stopReason());
        RoundRecord first = r.rounds().get(0);
        // Every training example as the trainer tokenises it (<bos> MR || ref <eos>, cut to seq-len + 1), 2 bytes a token.
        ConfigReader root = ConfigReader.root(c);
        io.fedsllm.config.ModelShape tiny = io.fedsllm.config.ModelShape.named(root, "tiny");
        io.fedsllm.nn.TextTokenizer tok = io.fedsllm.nn.TextTokenizer.forModel(tiny);
        long tokens = 0;
        for (io.fedsllm.train.PromptCompletion e : io.fedsllm.train.E2eTask.examples(
                io.fedsllm.train.TrainData.load(c).train())) {
            tokens += io.fedsllm.train.TokenBatch.promptCompletion(List.of(e), tok, tiny.seqLen()).inputs()[0].length + 1;
        }
        assertEquals(2 * tokens, first.bytesMain(), "bytesMain = the tokenised shards");
        assertTrue(first.breakdown().dataUploadS() > 0);
        assertEquals(first.breakdown().dataUploadS() + first.plannedRoundS(), first.virtualEndS(), 1e-9 * first.virtualEndS());
        assertEquals(first.virtualEndS(), r.timeToTargetS(), 0, "time to target includes the upload");
        assertTrue(r.timeToTargetS() > first.plannedRoundS());
    }

    @Test
    void aRunWritesItsFinalLoraInPeftLayoutWithTheTrainedModelsLogits(@TempDir Path out) throws Exception {
        for (String scheme : List.of("sfl", "fl", "centralized")) {
            // A larger learning rate so that 2 rounds of 2 steps move the logits measurably.
            Config c = config("emu.scheme=" + scheme, "train.learning-rate=2e-2");
            java.util.concurrent.atomic.AtomicReference<byte[]> global = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicReference<byte[]> server = new java.util.concurrent.atomic.AtomicReference<>();
            Path dir = out.resolve(scheme);
            try (RunWriter w = new RunWriter(dir, null, 2, io.fedsllm.config.ChartSettings.shipped())
                    .exportingAdapters(io.fedsllm.train.PeftAdapters.Export.of(ConfigReader.root(c)))) {
                RunResult r = Emulator.run(c, w, io.fedsllm.train.TrainProgress.NONE, lastLoraReports(global, server));
                w.finish(r, 1, null);
            }
            Path folder = dir.resolve(RunWriter.ADAPTER_DIR);
            assertTrue(Files.isRegularFile(folder.resolve(io.fedsllm.train.PeftAdapters.CONFIG)), scheme);
            // The model the last evaluation measured: the global copy and the server LoRA the parties last reported.
            io.fedsllm.train.LoraBlocks model = io.fedsllm.train.LoraBlocks.fromBytes(global.get())
                    .merge(io.fedsllm.train.LoraBlocks.fromBytes(server.get()));
            double[] gaps = io.fedsllm.train.PeftAdaptersTest.logitGaps(c, model, folder);
            assertTrue(gaps[0] <= 1e-5, scheme + ": max |logit diff| " + gaps[0]);
            assertTrue(gaps[1] > 1e-3, scheme + ": the trained adapters move the logits (" + gaps[1] + ")");
            assertEquals(List.of(0, 1, 2, 3), io.fedsllm.nn.SafeTensors.read(folder.resolve(
                    io.fedsllm.train.PeftAdapters.WEIGHTS)).keySet().stream().map(n -> Integer.parseInt(
                    n.split("\\.")[4])).distinct().sorted().toList(), scheme + ": every block's adapters");
        }
    }

    /** Records, on the coordinator, the last global copy and server LoRA the parties reported. */
    private static RoleGuardian.PartyDecorator lastLoraReports(java.util.concurrent.atomic.AtomicReference<byte[]> global,
            java.util.concurrent.atomic.AtomicReference<byte[]> server) {
        return new RoleGuardian.PartyDecorator() {
            @Override
            public <T> org.apache.pekko.actor.typed.Behavior<T> decorate(String role, int party, Class<T> type,
                    org.apache.pekko.actor.typed.Behavior<T> behavior) {
                if (!role.equals(Coordinator.ROLE)) {
                    return behavior;
                }
                return org.apache.pekko.actor.typed.javadsl.Behaviors.intercept(() ->
                        new org.apache.pekko.actor.typed.BehaviorInterceptor<T, T>(type) {
                            @Override
                            public org.apache.pekko.actor.typed.Behavior<T> aroundReceive(
                                    org.apache.pekko.actor.typed.TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
                                if (msg instanceof Coordinator.Aggregated a) {
                                    global.set(a.globalLora());
                                } else if (msg instanceof Coordinator.IterationsDone d) {
                                    server.set(d.serverLora());
                                }
                                return target.apply(ctx, msg);
                            }
                        }, behavior);
            }
        };
    }

    @Test
    void sameSeedGivesByteIdenticalRoundsJsonl(@TempDir Path out) throws Exception {
        byte[] a = runToDir(out.resolve("a"), "seed=5");
        byte[] b = runToDir(out.resolve("b"), "seed=5");
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, runToDir(out.resolve("c"), "seed=6")), "another seed, another run");
        String line = Files.readAllLines(out.resolve("a/rounds.jsonl")).get(0);
        assertFalse(line.contains("\"valLoss\":null"), line);
    }

    @Test
    void oneAndTwoComputeThreadsWriteTheSameRoundsJsonl(@TempDir Path out) throws Exception {
        // Parties compute side by side on two threads; every result is the same bits as on one.
        byte[] one = runToDir(out.resolve("one"), "seed=5", "emu.compute-threads=1");
        byte[] two = runToDir(out.resolve("two"), "seed=5", "emu.compute-threads=2");
        assertArrayEquals(one, two);
        for (String scheme : List.of("sl", "fl", "centralized")) {
            assertArrayEquals(runToDir(out.resolve(scheme + "1"), "emu.scheme=" + scheme, "emu.compute-threads=1"),
                    runToDir(out.resolve(scheme + "2"), "emu.scheme=" + scheme, "emu.compute-threads=2"), scheme);
        }
    }

    /** A scenario file written for a test. */
    static String scenario(Path dir, String name, String events) throws java.io.IOException {
        Path f = dir.resolve(name + ".conf");
        java.nio.file.Files.writeString(f, "events = [\n" + events + "\n]\n");
        return "emu.scenario=\"" + f + "\"";
    }

    @Test
    void aServerCrashRestartsEveryPartyFromTheCheckpointAndTheRedoneRoundsTrainExactlyTheSame(@TempDir Path dir)
            throws Exception {
        RunResult base = Emulator.run(config("emu.rounds=3"), RunSink.NONE);
        RunResult main = Emulator.run(config("emu.rounds=3", scenario(dir, "main",
                "{ type = crash-main-server, at-round = 1, at-iteration = 1 }")), RunSink.NONE);
        RunResult fed = Emulator.run(config("emu.rounds=3", scenario(dir, "fed",
                "{ type = crash-fed-server, at-round = 1, at-iteration = 1 }")), RunSink.NONE);
        for (RunResult r : List.of(main, fed)) {
            assertEquals(3, r.rounds().size());
            for (int i = 0; i < 3; i++) {
                assertEquals(base.rounds().get(i).valLoss(), r.rounds().get(i).valLoss(),
                        "round " + i + ": the restored LoRA and optimiser states train to the same bits");
                assertEquals(base.rounds().get(i).trainLoss(), r.rounds().get(i).trainLoss());
            }
            assertTrue(r.rounds().get(1).virtualStartS() > base.rounds().get(0).virtualEndS(),
                    "the time until the crash is spent");
        }
    }

    @Test
    void aCrashedClientIsLeftOutAndComesBackAsANewDeviceActor(@TempDir Path dir) throws Exception {
        RunResult r = Emulator.run(config("emu.rounds=3", scenario(dir, "client",
                "{ type = crash-client, client = 1, at-round = 1, at-iteration = 1, rejoin-after-rounds = 1 }")),
                RunSink.NONE);
        assertEquals(List.of(1), r.rounds().get(1).dropped(), "it stops in the middle of round 1");
        assertEquals(List.of(0, 2), r.rounds().get(1).clients().stream().map(RoundRecord.ClientRound::client).toList());
        assertEquals(List.of(0, 1, 2), r.rounds().get(2).clients().stream().map(RoundRecord.ClientRound::client).toList(),
                "back in round 2 with that round's global LoRA");
        assertTrue(Double.isFinite(r.rounds().get(2).valLoss()));
    }

    @Test
    void theFederatedServerAggregatesWithTheConfiguredStrategy() {
        // FedAvgM's first step is the average itself; from the second round its momentum moves the copy further.
        RunResult avg = Emulator.run(config("emu.rounds=2"), RunSink.NONE);
        RunResult momentum = Emulator.run(config("emu.rounds=2", "train.fed-strategy=fedavgm"), RunSink.NONE);
        double a = avg.rounds().get(1).valLoss();
        double m = momentum.rounds().get(1).valLoss();
        assertTrue(Math.abs(a - m) > 1e-6, "round 1: server momentum changed the global copy: " + a + " vs " + m);
    }

    @Test
    void aDivergingRunStopsInTheRoundItDivergesWithAUserError() {
        long t0 = System.nanoTime();
        io.fedsllm.config.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.fedsllm.config.UserError.class,
                () -> Emulator.run(config("train.learning-rate=1e9", "emu.rounds=5"), RunSink.NONE));
        assertTrue(e.getMessage().startsWith("training diverged in round ") && e.getMessage().contains(
                "lower fedsllm.train.learning-rate"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 60, "stopped within a minute");
    }

    private static byte[] runToDir(Path dir, String... sets) throws Exception {
        Config c = config(sets);
        try (RunWriter w = new RunWriter(dir, null, 2, io.fedsllm.config.ChartSettings.shipped())) {
            RunResult r = Emulator.run(c, w);
            w.finish(r, ConfigReader.root(c).getLong("seed"), null);
        }
        return Files.readAllBytes(dir.resolve("rounds.jsonl"));
    }
}
