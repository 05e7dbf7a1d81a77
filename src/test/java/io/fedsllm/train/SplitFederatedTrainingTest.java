package io.fedsllm.train;

import static io.fedsllm.train.SmallTraining.assertClose;
import static io.fedsllm.train.SmallTraining.assertSameLora;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.cost.CostModels;
import io.fedsllm.cost.LayerCosts;
import io.fedsllm.nn.ActivationCodec;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.SplitLm;
import io.fedsllm.nn.SplitServer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split-federated trainers on a tiny model: one iteration of K = 2 clients + the main server equals SplitLm
 * on the concatenated batch; forward determinism; rejection of malformed activations; the Evaluator.
 */
class SplitFederatedTrainingTest {
    @TempDir
    static Path dir;
    static com.typesafe.config.Config config;
    static TrainContext ctx;
    static TrainData data;

    @BeforeAll
    static void setUp() {
        config = SmallTraining.config(dir.resolve("cache"));
        ctx = TrainContext.create(config);
        data = TrainData.load(config);
    }

    @AfterAll
    static void tearDown() {
        ctx.close();
    }

    static final int SPLIT = 2;
    static final int RANK = 4;

    static Map<String, float[]> named(io.fedsllm.nn.LoraAdapters lora, List<float[]> grads) {
        Map<String, float[]> m = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(lora.params().names());
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), grads.get(i));
        }
        return m;
    }

    /** Rows [from, from + rows) and positions [0, t) of a [B, T, d] activation message. */
    static float[] rows(byte[] message, int from, int rows, int t) {
        long[] s = ActivationCodec.shapeOf(message).getShape();
        float[] v = ActivationCodec.values(message);
        int d = (int) s[2];
        float[] out = new float[rows * t * d];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(v, (int) ((from + i) * s[1] * d), out, i * t * d, t * d);
        }
        return out;
    }

    @Test
    void oneIterationOfTwoClientsEqualsSplitLmOnTheConcatenatedBatch() {
        LoraBlocks all = SmallTraining.randomLora(ctx, RANK, 0, SmallTraining.LAYERS, 3);
        LoraBlocks clientGlobal = all.select(0, SPLIT);
        LoraBlocks serverInit = all.select(SPLIT, SmallTraining.LAYERS);
        int round = 3;
        int iteration = 5;
        try (ClientTrainer c0 = ClientTrainer.create(ctx, 0, data.shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
             ClientTrainer c1 = ClientTrainer.create(ctx, 1, data.shard(1, 2), SPLIT, RANK, SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, SPLIT, RANK, SmallTraining.SEED, serverInit);
             SplitLm ref = new SplitLm(ctx.shape(), ctx.base(), ctx.lora(), RANK, SPLIT, ctx.adam(), SmallTraining.SEED, 0)) {
            c0.importLora(clientGlobal);
            c1.importLora(clientGlobal);
            ClientTrainer.Forward f0 = c0.forward(round, iteration);
            ClientTrainer.Forward f1 = c1.forward(round, iteration);
            Map<String, float[]> serverGrads = new LinkedHashMap<>();
            ServerTrainer.Step step = server.stepReturningGradients(List.of(f0.activations(), f1.activations()),
                    List.of(f0.labels(), f1.labels()), serverGrads);
            Map<String, float[]> g0 = c0.backwardReturningGradients(step.activationGradients().get(0));
            Map<String, float[]> g1 = c1.backwardReturningGradients(step.activationGradients().get(1));

            // The reference: SplitLm with the same LoRA on the concatenation of the two clients' batches.
            TokenBatch b0 = SmallTraining.batchOf(ctx, data, 0, 2, round, iteration);
            TokenBatch b1 = SmallTraining.batchOf(ctx, data, 1, 2, round, iteration);
            assertArrayEquals(b0.labels(), f0.labels(), "client 0 draws the documented batch");
            assertArrayEquals(b1.labels(), f1.labels(), "client 1 draws the documented batch");
            assertEquals(b0.tokens(), f0.tokens());
            TokenBatch both = SmallTraining.concat(ctx, b0, b1);
            clientGlobal.copyInto(ref.clientLora(), 0, SPLIT);
            serverInit.copyInto(ref.serverLora(), SPLIT, SmallTraining.LAYERS);
            byte[] acts = ref.client().clientForward(both.inputs(), 0);
            SplitServer.StepResult r = ref.server().serverGradients(acts, both.labels(), 0);
            Map<String, float[]> refServerGrads = named(ref.serverLora(), ref.server().optimizer().gradients());
            ref.server().applyUpdate();
            ref.client().backwardOnly(r.activationGradient());
            Map<String, float[]> refClientGrads = named(ref.clientLora(), ref.client().optimizer().gradients());

            assertEquals(r.loss(), step.loss(), 1e-5, "loss = mean over every labelled token of the concatenated batch");
            assertTrue(step.loss() > 0 && Double.isFinite(step.loss()));
            int t0 = f0.labels()[0].length;
            int t1 = f1.labels()[0].length;
            assertClose(rows(r.activationGradient(), 0, 3, t0), ActivationCodec.values(step.activationGradients().get(0)), 1e-6,
                    "client 0's gradient slice");
            assertClose(rows(r.activationGradient(), 3, 3, t1), ActivationCodec.values(step.activationGradients().get(1)), 1e-6,
                    "client 1's gradient slice");
            assertEquals(refServerGrads.keySet(), serverGrads.keySet());
            refServerGrads.forEach((n, g) -> assertClose(g, serverGrads.get(n), 1e-5, "server gradient " + n));
            // The clients' gradients add up to the gradient of the client LoRA on the concatenated batch.
            assertEquals(refClientGrads.keySet(), g0.keySet());
            double norm = 0;
            for (String n : refClientGrads.keySet()) {
                float[] sum = new float[g0.get(n).length];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = g0.get(n)[i] + g1.get(n)[i];
                    norm += Math.abs(g0.get(n)[i]);
                }
                assertClose(refClientGrads.get(n), sum, 1e-5, "client gradients summed, " + n);
            }
            assertTrue(norm > 1e-3, "the client gradients are not trivial: " + norm);
            // Updated weights: the server's equal SplitLm's server after the same AdamW step ...
            assertSameLora(LoraBlocks.of(ref.serverLora()), server.serverLora(), 1e-5);
            // ... and each client took one clipped AdamW step from the global copy with its own gradient.
            assertSameLora(adamFirstStep(clientGlobal, g0, ctx.adam()), c0.exportLora(), 1e-6);
            assertSameLora(adamFirstStep(clientGlobal, g1, ctx.adam()), c1.exportLora(), 1e-6);
        }
    }

    /** AdamW's first step by hand: m̂ = g, v̂ = g² for the clipped g; p − lr (m̂ / (sqrt(v̂) + ε) + wd p). */
    static LoraBlocks adamFirstStep(LoraBlocks start, Map<String, float[]> grads, AdamW.Settings s) {
        double sq = 0;
        for (float[] g : grads.values()) {
            for (float x : g) {
                sq += (double) x * x;
            }
        }
        double clip = s.clipNorm() > 0 && Math.sqrt(sq) > s.clipNorm() ? s.clipNorm() / Math.sqrt(sq) : 1;
        java.util.TreeMap<Integer, Map<String, float[]>> out = new java.util.TreeMap<>();
        start.blocks().forEach((block, m) -> {
            Map<String, float[]> t = new LinkedHashMap<>();
            m.forEach((n, p) -> {
                float[] g = grads.get("h." + block + "." + n);
                float[] q = new float[p.length];
                for (int i = 0; i < p.length; i++) {
                    double gc = g[i] * clip;
                    q[i] = (float) (p[i] - s.learningRate() * (gc / (Math.abs(gc) + s.epsilon()) + s.weightDecay() * p[i]));
                }
                t.put(n, q);
            });
            out.put(block, t);
        });
        return new LoraBlocks(out, start.rank());
    }

    @Test
    void forwardIsDeterministicPerSeedClientRoundAndIteration() {
        List<io.fedsllm.data.E2eRecord> shard = data.shard(0, 2);
        try (ClientTrainer a = ClientTrainer.create(ctx, 0, shard, SPLIT, RANK, SmallTraining.SEED);
             ClientTrainer b = ClientTrainer.create(ctx, 0, shard, SPLIT, RANK, SmallTraining.SEED);
             ClientTrainer other = ClientTrainer.create(ctx, 1, shard, SPLIT, RANK, SmallTraining.SEED);
             ClientTrainer otherSeed = ClientTrainer.create(ctx, 0, shard, SPLIT, RANK, SmallTraining.SEED + 1)) {
            ClientTrainer.Forward x = a.forward(2, 4);
            ClientTrainer.Forward y = b.forward(2, 4);
            assertArrayEquals(x.activations(), y.activations(), "same (seed, client, round, iteration), bit for bit");
            assertArrayEquals(x.labels(), y.labels());
            assertArrayEquals(x.activations(), a.forward(2, 4).activations(), "a repeated forward is the same");
            assertFalse(Arrays.equals(x.activations(), a.forward(2, 5).activations()), "another iteration draws another batch");
            assertFalse(Arrays.equals(x.activations(), a.forward(3, 4).activations()), "another round draws another batch");
            assertFalse(Arrays.equals(x.activations(), other.forward(2, 4).activations()), "another client id, another stream");
            assertFalse(Arrays.equals(x.activations(), otherSeed.forward(2, 4).activations()), "another seed, another stream");
            assertEquals(ctx.batchSize(), x.labels().length);
            assertEquals(x.labels().length * x.labels()[0].length, x.tokens());
            assertEquals(shard.size(), a.samples());
        }
    }

    static byte[] withValue(byte[] message, int index, float value) {
        byte[] copy = message.clone();
        int header = 8 + 4 * ActivationCodec.shapeOf(message).dimension();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putFloat(header + 4 * index, value);
        return copy;
    }

    @Test
    void malformedActivationsAreRejectedWithoutUpdating() {
        try (ClientTrainer c0 = ClientTrainer.create(ctx, 0, data.shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
             ClientTrainer c1 = ClientTrainer.create(ctx, 1, data.shard(1, 2), SPLIT, RANK, SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, SPLIT, RANK, SmallTraining.SEED)) {
            ClientTrainer.Forward f0 = c0.forward(0, 0);
            ClientTrainer.Forward f1 = c1.forward(0, 0);
            LoraBlocks before = server.serverLora();
            byte[] a0 = f0.activations();
            int[][] l0 = f0.labels();
            int[][] shorter = Arrays.stream(l0).map(row -> Arrays.copyOf(row, row.length - 1)).toArray(int[][]::new);
            Map<String, Runnable> bad = new LinkedHashMap<>();
            bad.put("shape", () -> server.step(List.of(a0, f1.activations()), List.<int[][]>of(shorter, f1.labels())));
            bad.put("bytes", () -> server.step(List.of(Arrays.copyOf(a0, a0.length - 4), f1.activations()), List.of(l0, f1.labels())));
            bad.put("finite", () -> server.step(List.of(a0, withValue(f1.activations(), 17, Float.NaN)), List.of(l0, f1.labels())));
            bad.put("not finite", () -> server.step(List.of(withValue(a0, 0, Float.POSITIVE_INFINITY)), List.<int[][]>of(l0)));
            bad.put("activation message", () -> server.step(List.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}), List.<int[][]>of(l0)));
            bad.put("same clients", () -> server.step(List.of(a0, f1.activations()), List.<int[][]>of(l0)));
            int[][] badLabel = Arrays.stream(l0).map(int[]::clone).toArray(int[][]::new);
            badLabel[0][0] = 100000;
            bad.put("outside", () -> server.step(List.of(a0), List.<int[][]>of(badLabel)));
            for (Map.Entry<String, Runnable> e : bad.entrySet()) {
                IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e.getValue()::run, e.getKey());
                assertTrue(x.getMessage().contains(e.getKey().trim()), e.getKey() + ": " + x.getMessage());
            }
            assertSameLora(before, server.serverLora(), 0);
            // the clients' forwards are still pending: a good step and both backwards go through
            ServerTrainer.Step ok = server.step(List.of(a0, f1.activations()), List.of(l0, f1.labels()));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> c0.backward(withValue(ok.activationGradients().get(0), 3, Float.NaN))).getMessage().contains("not finite"));
            c0.backward(ok.activationGradients().get(0));
            assertThrows(IllegalArgumentException.class, () -> c1.backward(ok.activationGradients().get(0)),
                    "client 1 rejects client 0's gradient slice (other shape)");
            c1.backward(ok.activationGradients().get(1));
            assertThrows(IllegalStateException.class, () -> c1.backward(ok.activationGradients().get(1)), "no pending forward");
        }
    }

    @Test
    void importExportAndPayloadBitsMatchTheCostModel() {
        LoraBlocks all = SmallTraining.randomLora(ctx, RANK, 0, SmallTraining.LAYERS, 11);
        LayerCosts costs = CostModels.table(config);
        try (ClientTrainer c = ClientTrainer.create(ctx, 0, data.shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
             ServerTrainer s = ServerTrainer.create(ctx, SPLIT, RANK, SmallTraining.SEED)) {
            assertEquals(List.of(0, 1), c.exportLora().blockIndices());
            assertEquals(List.of(2, 3), s.serverLora().blockIndices());
            assertEquals(costs.clientLoraBits(SPLIT, RANK), c.exportLora().bits(), 0);
            assertEquals(costs.serverLoraBits(SPLIT, RANK), s.serverLora().bits(), 0);
            c.importLora(all.select(0, SPLIT));
            assertSameLora(all.select(0, SPLIT), c.exportLora(), 0);
            assertThrows(IllegalArgumentException.class, () -> c.importLora(all.select(0, 3)), "extra block");
            assertThrows(IllegalArgumentException.class, () -> c.importLora(all.select(0, 1)), "missing block");
            assertThrows(IllegalArgumentException.class,
                    () -> c.importLora(SmallTraining.randomLora(ctx, 2, 0, SPLIT, 1)), "other rank");
            c.forward(0, 0);
            assertThrows(IllegalStateException.class, () -> c.importLora(all.select(0, SPLIT)), "forward pending");
            try (ServerTrainer s2 = ServerTrainer.create(ctx, SPLIT, RANK, 1, all.select(2, 4))) {
                assertSameLora(all.select(2, 4), s2.serverLora(), 0);
            }
        }
    }

    @Test
    void evaluatorEqualsFineTunerOnSplitLmWithTheSameWeights() {
        LoraBlocks all = SmallTraining.randomLora(ctx, RANK, 0, SmallTraining.LAYERS, 5);
        try (SplitLm ref = new SplitLm(ctx.shape(), ctx.base(), ctx.lora(), RANK, SPLIT, ctx.adam(), 1, 0)) {
            all.select(0, SPLIT).copyInto(ref.clientLora(), 0, SPLIT);
            all.select(SPLIT, 4).copyInto(ref.serverLora(), SPLIT, 4);
            double want = FineTuner.validationLoss(ref, ctx.tokenizer(), data.validationExamples(), ctx.evalBatchSize(),
                    ctx.shape().seqLen());
            try (Evaluator ev = Evaluator.create(ctx, data.validationExamples())) {
                double got = ev.validationLoss(SPLIT, all.select(0, SPLIT), all.select(SPLIT, 4));
                assertEquals(want, got, 1e-6);
                assertTrue(got > 0 && Double.isFinite(got));
                assertEquals(got, ev.validationLoss(SPLIT, all.select(0, SPLIT), all.select(SPLIT, 4)), 0, "no state touched");
                assertEquals(got, ev.validationLoss(1, all.select(0, 1), all.select(1, 4)), 1e-6, "the split does not matter");
                assertEquals(got, ev.validationLoss(4, all, LoraBlocks.empty(RANK)), 1e-6, "split L: all on the client");
                assertThrows(IllegalArgumentException.class, () -> ev.validationLoss(SPLIT, all.select(0, 1), all.select(SPLIT, 4)));
                assertThrows(IllegalArgumentException.class, () -> ev.validationLoss(SPLIT, all.select(0, 3), all.select(SPLIT, 4)));
                double untrained = ev.validationLoss(SPLIT, SmallTraining.randomLora(ctx, RANK, 0, SPLIT, 9),
                        all.select(SPLIT, 4));
                assertTrue(Math.abs(untrained - got) > 1e-4, "other LoRA values, other loss: " + untrained + " vs " + got);
            }
        }
    }

    @Test
    void noNativeLeakOverIterations() {
        try (ClientTrainer c0 = ClientTrainer.create(ctx, 0, data.shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
             ClientTrainer c1 = ClientTrainer.create(ctx, 1, data.shard(1, 2), SPLIT, RANK, SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, SPLIT, RANK, SmallTraining.SEED);
             Evaluator ev = Evaluator.create(ctx, data.validationExamples())) {
            int[] at3 = null;
            for (int it = 0; it < 20; it++) {
                SmallTraining.iteration(server, 0, it, c0, c1);
                if (it % 5 == 4) {
                    LoraBlocks global = FedAvg.average(List.of(c0.exportLora(), c1.exportLora()), List.of(c0.samples(), c1.samples()));
                    c0.importLora(global);
                    c1.importLora(global);
                    assertTrue(Double.isFinite(ev.validationLoss(SPLIT, global, server.serverLora())));
                }
                int[] now = {c0.nativeArrays(), c1.nativeArrays(), server.nativeArrays(), ctx.nativeArrays()};
                if (it == 3) {
                    at3 = now;
                }
                if (it > 3) {
                    assertArrayEquals(at3, now, "native arrays (client 0, client 1, server, shared base) at iteration " + it);
                }
            }
            assertTrue(at3[0] > 0 && at3[2] > 0, Arrays.toString(at3));
        }
    }

    /** Split L = federated LoRA (server: head only, no LoRA); split 0 = everything but the embeddings on the server. */
    @Test
    void extremeSplitsTrain() {
        int layers = SmallTraining.LAYERS;
        for (int split : new int[] {layers, 0}) {
            try (ClientTrainer c = ClientTrainer.create(ctx, 0, data.shard(0, 2), split, RANK, SmallTraining.SEED);
                 ServerTrainer s = ServerTrainer.create(ctx, split, RANK, SmallTraining.SEED);
                 Evaluator ev = Evaluator.create(ctx, data.validationExamples())) {
                assertEquals(split, c.exportLora().blocks().size());
                assertEquals(layers - split, s.serverLora().blocks().size());
                LoraBlocks clientBefore = c.exportLora();
                LoraBlocks serverBefore = s.serverLora();
                double before = ev.validationLoss(split, clientBefore, serverBefore);
                for (int it = 0; it < 2; it++) {
                    ClientTrainer.Forward f = c.forward(0, it);
                    ServerTrainer.Step st = s.step(List.of(f.activations()), List.<int[][]>of(f.labels()));
                    assertTrue(Double.isFinite(st.loss()), "split " + split);
                    c.backward(st.activationGradients().get(0));
                }
                LoraBlocks trained = split == layers ? c.exportLora() : s.serverLora();
                LoraBlocks initial = split == layers ? clientBefore : serverBefore;
                double change = 0;
                for (int b : initial.blockIndices()) {
                    float[] x = initial.blocks().get(b).get("q.lora_B");
                    float[] y = trained.blocks().get(b).get("q.lora_B");
                    for (int i = 0; i < x.length; i++) {
                        change += Math.abs(x[i] - y[i]);
                    }
                }
                assertTrue(change > 0, "the LoRA of split " + split + " trains");
                assertNotEquals(before, ev.validationLoss(split, c.exportLora(), s.serverLora()));
            }
        }
    }

    @Test
    void shardsPartitionTheTrainingSplit() {
        int n = 0;
        for (int k = 0; k < 3; k++) {
            n += data.shard(k, 3).size();
        }
        assertEquals(data.train().size(), n);
        assertEquals(data.shard(1, 3), data.shard(1, 3));
        assertThrows(IllegalArgumentException.class, () -> data.shard(3, 3));
        assertEquals(3, ctx.batchSize());
        assertEquals("mini", ctx.shape().name());
        // only the weights stay in the shared manager (pre-training's optimiser state is dropped)
        assertEquals(io.fedsllm.nn.Gpt2Weights.allShapes(ctx.shape()).size(), ctx.nativeArrays());
    }
}
