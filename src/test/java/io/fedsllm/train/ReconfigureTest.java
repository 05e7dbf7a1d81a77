package io.fedsllm.train;

import static io.fedsllm.train.SmallTraining.assertSameLora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.LoraAdapters;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split moves and rank changes: nothing lost or duplicated, the model unchanged (rank up) or best-approximated (rank
 * down); a discarded forward leaves the client ready for the next global copy.
 */
class ReconfigureTest {
    @TempDir
    static Path dir;
    static TrainContext ctx;
    static TrainData data;
    static final int L = SmallTraining.LAYERS;
    static final long SEED = SmallTraining.SEED;

    @BeforeAll
    static void setUp() {
        ctx = TrainContext.create(SmallTraining.config(dir.resolve("cache")));
        data = TrainData.load(SmallTraining.config(dir.resolve("cache")));
    }

    @AfterAll
    static void tearDown() {
        ctx.close();
    }

    @Test
    void splitMovesKeepTheFullModel() {
        LoraBlocks all = SmallTraining.randomLora(ctx, 4, 0, L, 21);
        try (ClientTrainer client = ClientTrainer.create(ctx, 0, data.shard(0, 2), 3, 4, SEED);
             ServerTrainer server = ServerTrainer.create(ctx, 3, 4, SEED, all.select(3, L));
             Evaluator ev = Evaluator.create(ctx, data.validationExamples())) {
            client.importLora(all.select(0, 3));
            double before = ev.validationLoss(3, client.exportLora(), server.serverLora());

            // client → server: block 2 leaves the clients; the server adopts the fed server's global copy of it
            LoraBlocks global = client.exportLora();
            client.reconfigure(2, 4, null);
            server.reconfigure(2, 4, global.select(2, 3));
            assertEquals(2, client.splitLayer());
            assertEquals(2, server.splitLayer());
            assertSameLora(all.select(0, 2), client.exportLora(), 0);
            assertSameLora(all.select(2, L), server.serverLora(), 0);
            assertEquals(before, ev.validationLoss(2, client.exportLora(), server.serverLora()), 1e-6);

            // server → client: the server exports block 2, the clients adopt it
            LoraBlocks moved = server.exportBlocks(2, 3);
            server.reconfigure(3, 4, null);
            client.reconfigure(3, 4, moved);
            assertSameLora(all.select(0, 3), client.exportLora(), 0);
            assertSameLora(all.select(3, L), server.serverLora(), 0);
            assertEquals(before, ev.validationLoss(3, client.exportLora(), server.serverLora()), 1e-6);

            // two blocks at once, down to split 1 and back
            LoraBlocks g2 = client.exportLora();
            client.reconfigure(1, 4, null);
            server.reconfigure(1, 4, g2.select(1, 3));
            assertEquals(before, ev.validationLoss(1, client.exportLora(), server.serverLora()), 1e-6);
            LoraBlocks back = server.exportBlocks(1, 3);
            server.reconfigure(3, 4, null);
            client.reconfigure(3, 4, back);
            assertSameLora(all.select(0, 3), client.exportLora(), 0);

            // training goes on at the new split
            ServerTrainer.Step st = SmallTraining.iteration(server, 0, 0, client);
            assertTrue(Double.isFinite(st.loss()));
        }
    }

    @Test
    void inconsistentMovesAreRejectedAndChangeNothing() {
        LoraBlocks all = SmallTraining.randomLora(ctx, 4, 0, L, 22);
        try (ClientTrainer client = ClientTrainer.create(ctx, 0, data.shard(0, 2), 2, 4, SEED);
             ServerTrainer server = ServerTrainer.create(ctx, 2, 4, SEED, all.select(2, L))) {
            client.importLora(all.select(0, 2));
            assertThrows(IllegalArgumentException.class, () -> client.reconfigure(3, 4, null), "block 2 must arrive");
            assertThrows(IllegalArgumentException.class, () -> client.reconfigure(3, 4, all.select(1, 3)), "block 1 is already there");
            assertThrows(IllegalArgumentException.class, () -> client.reconfigure(1, 4, all.select(2, 3)), "nothing arrives when moving down");
            assertThrows(IllegalArgumentException.class, () -> server.reconfigure(1, 4, null), "block 1 must arrive");
            assertThrows(IllegalArgumentException.class, () -> server.reconfigure(1, 4, all.select(1, 3)), "block 2 is already there");
            assertThrows(IllegalArgumentException.class, () -> server.reconfigure(3, 4, all.select(1, 2)), "nothing arrives when moving up");
            assertThrows(IllegalArgumentException.class, () -> server.exportBlocks(1, 3), "block 1 is not the server's");
            assertThrows(IllegalArgumentException.class, () -> client.reconfigure(L + 1, 4, null));
            assertEquals(2, client.splitLayer());
            assertEquals(2, server.splitLayer());
            assertSameLora(all.select(0, 2), client.exportLora(), 0);
            assertSameLora(all.select(2, L), server.serverLora(), 0);
            // the whole model to the clients (federated LoRA) and back
            client.reconfigure(L, 4, server.exportBlocks(2, L));
            server.reconfigure(L, 4, null);
            assertSameLora(all, client.exportLora(), 0);
            assertTrue(server.serverLora().blocks().isEmpty());
        }
    }

    /** Logits of the unsplit model with these adapters on the shared base. */
    static float[] logits(LoraBlocks lora, int[][] inputs) {
        try (LoraAdapters adapters = lora.toAdapters(ctx.shape(), ctx.lora(), 0, L, NDManager.newBaseManager())) {
            return CausalLm.withLora(ctx.shape(), ctx.base(), adapters, ctx.adam(), 0, 0, 0).logits(inputs);
        }
    }

    @Test
    void rankUpLeavesTheModelUnchanged() {
        LoraBlocks all = SmallTraining.randomLora(ctx, 4, 0, L, 23);
        LoraBlocks up = all.resized(6, SEED);
        assertEquals(6, up.rank());
        // A keeps its 4 columns and gains 2 random ones; B gains 2 zero rows (and is scaled by 6/4)
        float[] a = all.blocks().get(1).get("q.lora_A");
        float[] a6 = up.blocks().get(1).get("q.lora_A");
        float[] b = all.blocks().get(1).get("q.lora_B");
        float[] b6 = up.blocks().get(1).get("q.lora_B");
        int in = a.length / 4;
        int out = b.length / 4;
        for (int i = 0; i < in; i++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(a[i * 4 + k], a6[i * 6 + k], 0);
            }
            assertNotEquals(0f, a6[i * 6 + 4]);
        }
        for (int j = 0; j < out; j++) {
            assertEquals(b[j] * 1.5f, b6[j], 0);
            assertEquals(0f, b6[4 * out + j], 0);
            assertEquals(0f, b6[5 * out + j], 0);
        }
        assertSameLora(up, all.resized(6, SEED), 0);

        int[][] inputs = SmallTraining.batchOf(ctx, data, 0, 2, 0, 0).inputs();
        SmallTraining.assertClose(logits(all, inputs), logits(up, inputs), 1e-5, "logits after rank 4 → 6");

        try (ClientTrainer client = ClientTrainer.create(ctx, 0, data.shard(0, 2), 2, 4, SEED);
             ServerTrainer server = ServerTrainer.create(ctx, 2, 4, SEED, all.select(2, L));
             Evaluator ev = Evaluator.create(ctx, data.validationExamples())) {
            client.importLora(all.select(0, 2));
            double before = ev.validationLoss(2, client.exportLora(), server.serverLora());
            client.reconfigure(2, 6, null);
            server.reconfigure(2, 6, null);
            assertEquals(6, client.rank());
            assertSameLora(up.select(0, 2), client.exportLora(), 0);
            assertSameLora(up.select(2, L), server.serverLora(), 0);
            assertEquals(before, ev.validationLoss(2, client.exportLora(), server.serverLora()), 1e-6);
            // a split move and a rank change at once: the arriving block (old rank) is resized too
            LoraBlocks global4 = all.select(0, 3);
            client.reconfigure(3, 8, global4.select(2, 3).resized(6, SEED));
            server.reconfigure(3, 8, null);
            assertEquals(before, ev.validationLoss(3, client.exportLora(), server.serverLora()), 1e-6);
        }
    }

    @Test
    void rankDownIsTheTruncatedSvdOfTheProduct() {
        LoraBlocks all = SmallTraining.randomLora(ctx, 4, 0, L, 24);
        LoraBlocks down = all.resized(2, SEED);
        assertEquals(2, down.rank());
        for (Map.Entry<Integer, Map<String, float[]>> e : all.blocks().entrySet()) {
            for (String target : List.of("q", "v", "o", "fc")) {
                float[] a = e.getValue().get(target + ".lora_A");
                float[] b = e.getValue().get(target + ".lora_B");
                int in = a.length / 4;
                int out = b.length / 4;
                // P = (r'/r) A B keeps the term (alpha/r') A'B' = (alpha/r) A B; its best rank-2 approximation
                double[][] p = new double[in][out];
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < out; j++) {
                        for (int k = 0; k < 4; k++) {
                            p[i][j] += 0.5 * a[i * 4 + k] * b[k * out + j];
                        }
                    }
                }
                SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(p));
                double[] s = svd.getSingularValues();
                RealMatrix best = svd.getU().getSubMatrix(0, in - 1, 0, 1)
                        .multiply(new Array2DRowRealMatrix(new double[][] {{s[0], 0}, {0, s[1]}}))
                        .multiply(svd.getV().getSubMatrix(0, out - 1, 0, 1).transpose());
                float[] a2 = down.blocks().get(e.getKey()).get(target + ".lora_A");
                float[] b2 = down.blocks().get(e.getKey()).get(target + ".lora_B");
                double errSq = 0;
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < out; j++) {
                        double prod = (double) a2[i * 2] * b2[j] + (double) a2[i * 2 + 1] * b2[out + j];
                        assertEquals(best.getEntry(i, j), prod, 1e-5, "block " + e.getKey() + " " + target + " [" + i + "," + j + "]");
                        errSq += (p[i][j] - prod) * (p[i][j] - prod);
                    }
                }
                // Eckart–Young: the error is the discarded singular values
                assertEquals(Math.sqrt(s[2] * s[2] + s[3] * s[3]), Math.sqrt(errSq), 1e-5);
                assertTrue(s[2] > 1e-4, "the product has rank > 2, so the cut is a real approximation");
            }
        }
        try (ClientTrainer client = ClientTrainer.create(ctx, 0, data.shard(0, 2), 2, 4, SEED)) {
            client.importLora(all.select(0, 2));
            client.reconfigure(2, 2, null);
            assertSameLora(down.select(0, 2), client.exportLora(), 0);
        }
        // an untrained adapter (B = 0) stays trainable: zero B rows, fresh non-zero A columns
        try (ClientTrainer fresh = ClientTrainer.create(ctx, 0, data.shard(0, 2), 2, 4, SEED);
             ServerTrainer server = ServerTrainer.create(ctx, 2, 2, SEED)) {
            fresh.reconfigure(2, 2, null);
            LoraBlocks lowered = fresh.exportLora();
            for (Map<String, float[]> m : lowered.blocks().values()) {
                for (Map.Entry<String, float[]> t : m.entrySet()) {
                    double sq = 0;
                    for (float x : t.getValue()) {
                        sq += x * x;
                    }
                    assertTrue(t.getKey().endsWith("lora_B") ? sq == 0 : sq > 0.1, t.getKey() + " |x|^2 = " + sq);
                }
            }
            SmallTraining.iteration(server, 0, 0, fresh);
            double bNorm = 0;
            for (Map<String, float[]> m : fresh.exportLora().blocks().values()) {
                for (float x : m.get("q.lora_B")) {
                    bNorm += Math.abs(x);
                }
            }
            assertTrue(bNorm > 0, "B learns after the rank decrease");
        }
        // a product of rank <= r' survives a rank decrease exactly (up then down returns the same product)
        LoraBlocks again = all.resized(6, SEED).resized(4, SEED);
        int[][] inputs = SmallTraining.batchOf(ctx, data, 1, 2, 0, 0).inputs();
        SmallTraining.assertClose(logits(all, inputs), logits(again, inputs), 1e-4, "logits after rank 4 → 6 → 4");
    }

    /**
     * A client left out of an iteration (deadline policy) drops its pending forward: the native arrays of the step
     * are released, its LoRA is untouched, and the next round's global copy can be imported.
     */
    @Test
    void aLeftOutForwardIsReleasedAndTheGlobalCopyCanBeImported() {
        int split = 2;
        int rank = 4;
        try (ClientTrainer c = ClientTrainer.create(ctx, 0, data.shard(0, 2), split, rank, SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, split, rank, SmallTraining.SEED)) {
            LoraBlocks global = SmallTraining.randomLora(ctx, rank, 0, split, 5);
            int idle = c.nativeArrays();
            LoraBlocks before = c.exportLora();
            c.forward(0, 0);
            assertTrue(c.nativeArrays() > idle, "the pending forward holds native arrays");
            assertThrows(IllegalStateException.class, () -> c.importLora(global), "import while a forward is pending");

            c.discardPending();
            assertEquals(idle, c.nativeArrays(), "the left-out step's arrays are released");
            assertSameLora(before, c.exportLora(), 0);
            assertThrows(IllegalStateException.class, () -> c.backward(new byte[0]), "no forward is pending any more");
            c.discardPending(); // nothing pending: no-op
            c.importLora(global);
            assertSameLora(global, c.exportLora(), 0);

            // Training goes on after the discard.
            SmallTraining.iteration(server, 1, 0, c);
            assertThrows(AssertionError.class, () -> assertSameLora(global, c.exportLora(), 0), "the step updated the LoRA");
        }
    }
}
