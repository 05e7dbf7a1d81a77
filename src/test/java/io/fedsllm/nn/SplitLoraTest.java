package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Split LoRA training on a small GPT-2: exactness of the split, frozen base, zero-B identity, no native leak. */
class SplitLoraTest {
    static final ModelShape SHAPE = new ModelShape("test", 4, 32, 4, 64, 16, 16, 259);
    static final LoraSettings LORA = new LoraSettings(List.of("q", "v", "o", "fc", "proj"), 0, 4, 8, 0.1);
    static final AdamW.Settings ADAM = new AdamW.Settings(1e-2, 0.9, 0.999, 1e-8, 0.01, 1.0);

    /** A deterministic token batch [b][t] with next-token labels, the first two positions unlabelled (a "prompt"). */
    static int[][][] batch(long seed, int b, int t) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] in = new int[b][t];
        int[][] lab = new int[b][t];
        for (int i = 0; i < b; i++) {
            int[] seq = new int[t + 1];
            for (int j = 0; j <= t; j++) {
                seq[j] = 97 + r.nextInt(8);
            }
            for (int j = 0; j < t; j++) {
                in[i][j] = seq[j];
                lab[i][j] = j < 2 ? LmLoss.IGNORE : seq[j + 1];
            }
        }
        return new int[][][] {in, lab};
    }

    /** Gives every adapter's B a random non-zero value, so that gradients of A are non-trivial. */
    static void randomizeB(LoraAdapters lora, long seed) {
        for (String n : lora.params().names()) {
            if (n.endsWith("lora_B")) {
                NDArray a = lora.params().get(n);
                SplittableRandom r = new SplittableRandom(seed ^ n.hashCode());
                float[] v = new float[(int) a.getShape().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.1 * r.nextGaussian());
                }
                a.set(v);
            }
        }
    }

    static Map<String, float[]> named(LoraAdapters lora, List<float[]> grads) {
        Map<String, float[]> m = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(lora.params().names());
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), grads.get(i));
        }
        return m;
    }

    @Test
    void splitTrainingMatchesUnsplitGradients() {
        int[][][] data = batch(11, 3, 12);
        try (ParamSet base = Gpt2Weights.random(SHAPE, 5, NDManager.newBaseManager())) {
            LoraAdapters lora = LoraAdapters.init(SHAPE, LORA, LORA.rank(), 5, 0, SHAPE.layers(), base.manager().newSubManager());
            randomizeB(lora, 99);
            CausalLm unsplit = CausalLm.withLora(SHAPE, base, lora, ADAM, LORA.dropout(), 5, 0);
            double lossUnsplit = unsplit.computeGradients(data[0], data[1], 7);
            Map<String, float[]> want = named(lora, unsplit.gradients());
            for (int splitLayer = 1; splitLayer < SHAPE.layers(); splitLayer++) {
                try (SplitLm split = new SplitLm(SHAPE, base, LORA, LORA.rank(), splitLayer, ADAM, 5, 0)) {
                    randomizeB(split.clientLora(), 99);
                    randomizeB(split.serverLora(), 99);
                    byte[] acts = split.client().clientForward(data[0], 7);
                    SplitServer.StepResult r = split.server().serverGradients(acts, data[1], 7);
                    split.client().backwardOnly(r.activationGradient());
                    Map<String, float[]> got = new LinkedHashMap<>(named(split.clientLora(), split.client().optimizer().gradients()));
                    got.putAll(named(split.serverLora(), split.server().optimizer().gradients()));
                    assertEquals(lossUnsplit, r.loss(), 1e-5, "loss at split " + splitLayer);
                    assertEquals(want.keySet(), got.keySet());
                    double maxAbs = 0;
                    for (String n : want.keySet()) {
                        assertArrayEquals(want.get(n), got.get(n), 1e-5f, n + " at split " + splitLayer);
                        for (float g : want.get(n)) {
                            maxAbs = Math.max(maxAbs, Math.abs(g));
                        }
                    }
                    assertTrue(maxAbs > 1e-4, "gradients are non-trivial (max |g| = " + maxAbs + ")");
                    split.client().applyUpdate();
                }
            }
        }
    }

    @Test
    void zeroBAdapterLeavesLogitsBitIdentical() {
        int[][][] data = batch(3, 2, 10);
        try (ParamSet base = Gpt2Weights.random(SHAPE, 8, NDManager.newBaseManager())) {
            float[] plain = CausalLm.fullFineTuning(SHAPE, base, ADAM).logits(data[0]);
            LoraAdapters lora = LoraAdapters.init(SHAPE, LORA, LORA.rank(), 8, 0, SHAPE.layers(), base.manager().newSubManager());
            float[] adapted = CausalLm.withLora(SHAPE, base, lora, ADAM, 0, 8, 0).logits(data[0]);
            assertArrayEquals(plain, adapted, "an untrained (B = 0) adapter must not change a single logit bit");
            randomizeB(lora, 1);
            assertNotEquals(java.util.Arrays.hashCode(plain),
                    java.util.Arrays.hashCode(CausalLm.withLora(SHAPE, base, lora, ADAM, 0, 8, 0).logits(data[0])),
                    "a non-zero B changes the logits (the check above is not vacuous)");
        }
    }

    /**
     * Five training steps change every LoRA (each compared with its own start) and leave every copy of the base
     * bit-identical: the unsplit model's base and the split client's and server's own copies.
     */
    @Test
    void frozenWeightsUnchangedAfterTraining() {
        try (ParamSet base = Gpt2Weights.random(SHAPE, 2, NDManager.newBaseManager())) {
            LoraAdapters lora = LoraAdapters.init(SHAPE, LORA, LORA.rank(), 2, 0, SHAPE.layers(), base.manager().newSubManager());
            CausalLm lm = CausalLm.withLora(SHAPE, base, lora, ADAM, LORA.dropout(), 2, 0);
            try (SplitLm split = new SplitLm(SHAPE, base, LORA, LORA.rank(), 2, ADAM, 2, 0)) {
                Map<String, ParamSet> frozen = new LinkedHashMap<>();
                frozen.put("unsplit base", base);
                frozen.put("split client base", split.clientBase());
                frozen.put("split server base", split.serverBase());
                Map<String, ParamSet> trained = new LinkedHashMap<>();
                trained.put("unsplit LoRA", lora.params());
                trained.put("split client LoRA", split.clientLora().params());
                trained.put("split server LoRA", split.serverLora().params());
                Map<String, String> before = new LinkedHashMap<>();
                frozen.forEach((n, p) -> before.put(n, p.sha256()));
                trained.forEach((n, p) -> before.put(n, p.sha256()));
                for (int s = 0; s < 5; s++) {
                    int[][][] data = batch(s, 2, 12);
                    lm.trainStep(data[0], data[1], s);
                    split.trainStep(data[0], data[1], s);
                }
                frozen.forEach((n, p) -> assertEquals(before.get(n), p.sha256(), n + " changed by LoRA training"));
                trained.forEach((n, p) -> assertNotEquals(before.get(n), p.sha256(), n + " did not train"));
            }
        }
    }

    @Test
    void noNativeLeakOverTrainingSteps() {
        try (ParamSet base = Gpt2Weights.random(SHAPE, 4, NDManager.newBaseManager());
             SplitLm split = new SplitLm(SHAPE, base, LORA, LORA.rank(), 2, ADAM, 4, 0)) {
            LoraAdapters lora = LoraAdapters.init(SHAPE, LORA, LORA.rank(), 4, 0, SHAPE.layers(), base.manager().newSubManager());
            CausalLm lm = CausalLm.withLora(SHAPE, base, lora, ADAM, LORA.dropout(), 4, 0);
            int[][][] data = batch(1, 2, 8);
            int[] at10 = null;
            for (int s = 1; s <= 200; s++) {
                lm.trainStep(data[0], data[1], s);
                split.trainStep(data[0], data[1], s);
                if (s % 50 == 0) {
                    lm.lossSum(data[0], data[1]);
                    split.argmaxNext(data[0]);
                }
                if (s == 10) {
                    at10 = counts(base, split);
                }
            }
            int[] at200 = counts(base, split);
            assertTrue(at10[0] > 0);
            assertArrayEquals(at10, at200, "native arrays (centralized, split client+server) after 10 vs 200 steps");
        }
    }

    private static int[] counts(ParamSet base, SplitLm split) {
        return new int[] {base.manager().getManagedArrays().size(),
                split.clientLora().params().manager().getParentManager().getManagedArrays().size()
                        + split.serverLora().params().manager().getParentManager().getManagedArrays().size()};
    }

    /** Collects garbage and reuses freed native memory with NaN bytes (0xFF), as other parties' work would. */
    static void collectAndScribble() {
        System.gc();
        List<java.nio.ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 + (i % 16) * 4);
            while (b.hasRemaining()) {
                b.put((byte) 0xFF);
            }
            keep.add(b);
        }
        keep.clear();
    }

    /**
     * The client's graph waits for the server between forward and backward. Scalars of the graph once lived in
     * Java buffers that DJL released right away (mul(Number)); a GC in the wait then gave NaN weights. Here a GC
     * and memory reuse happen in the wait: the weights must equal those of a run without them, bit for bit.
     */
    @Test
    void splitStepSurvivesGarbageCollectionBetweenForwardAndBackward() {
        String[] hashes = new String[2];
        for (int run = 0; run < 2; run++) {
            try (ParamSet base = Gpt2Weights.random(SHAPE, 8, NDManager.newBaseManager());
                 SplitLm split = new SplitLm(SHAPE, base, LORA, LORA.rank(), 2, ADAM, 8, 0)) {
                for (int s = 0; s < 3; s++) {
                    int[][][] data = batch(200 + s, 3, 12);
                    byte[] acts = split.client().clientForward(data[0], s);
                    if (run == 1) {
                        collectAndScribble();
                    }
                    SplitServer.StepResult r = split.server().serverStep(acts, data[1], s);
                    if (run == 1) {
                        collectAndScribble();
                    }
                    split.client().clientBackward(r.activationGradient());
                }
                hashes[run] = split.clientLora().params().sha256();
                for (NDArray a : split.clientLora().params().arrays()) {
                    for (float x : a.toFloatArray()) {
                        assertTrue(Float.isFinite(x), "client LoRA is finite in run " + run);
                    }
                }
            }
        }
        assertEquals(hashes[0], hashes[1]);
    }

    @Test
    void identicalTrainingsGiveIdenticalLoraWeights() {
        String[] hashes = new String[2];
        for (int run = 0; run < 2; run++) {
            try (ParamSet base = Gpt2Weights.random(SHAPE, 6, NDManager.newBaseManager());
                 SplitLm split = new SplitLm(SHAPE, base, LORA, LORA.rank(), 1, ADAM, 6, 0)) {
                for (int s = 0; s < 6; s++) {
                    int[][][] data = batch(100 + s, 3, 12);
                    split.trainStep(data[0], data[1], s);
                }
                hashes[run] = split.clientLora().params().sha256() + split.serverLora().params().sha256();
            }
        }
        assertEquals(hashes[0], hashes[1]);
    }

    @Test
    void clientWithoutAdaptersStillSplits() {
        LoraSettings lastOne = new LoraSettings(List.of("q", "v"), 1, 4, 8, 0.0);
        try (ParamSet base = Gpt2Weights.random(SHAPE, 6, NDManager.newBaseManager());
             SplitLm split = new SplitLm(SHAPE, base, lastOne, 4, 2, ADAM, 6, 0)) {
            assertTrue(split.clientLora().sites().isEmpty());
            assertEquals(List.of(3), split.serverLora().sites().stream().map(LoraAdapters.Site::block).distinct().toList());
            String before = split.serverLora().params().sha256();
            int[][][] data = batch(2, 2, 8);
            split.trainStep(data[0], data[1], 0);
            assertNotEquals(before, split.serverLora().params().sha256());
        }
    }

    @Test
    void loraAdaptersRoundTripThroughSafetensors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        try (ParamSet base = Gpt2Weights.random(SHAPE, 6, NDManager.newBaseManager())) {
            LoraAdapters lora = LoraAdapters.init(SHAPE, LORA, 4, 6, 0, SHAPE.layers(), base.manager().newSubManager());
            randomizeB(lora, 3);
            java.nio.file.Path file = dir.resolve("adapters.safetensors");
            lora.save(file);
            try (LoraAdapters back = LoraAdapters.load(SHAPE, LORA, 4, 0, SHAPE.layers(), file, NDManager.newBaseManager())) {
                assertEquals(lora.params().sha256(), back.params().sha256());
            }
            assertThrows(io.fedsllm.config.UserError.class,
                    () -> LoraAdapters.load(SHAPE, LORA, 8, 0, SHAPE.layers(), file, NDManager.newBaseManager()));
        }
    }

    @Test
    void wrongActivationShapeIsRejectedWithShapes() {
        try (ParamSet base = Gpt2Weights.random(SHAPE, 6, NDManager.newBaseManager());
             SplitLm split = new SplitLm(SHAPE, base, LORA, LORA.rank(), 2, ADAM, 6, 0)) {
            int[][][] data = batch(1, 2, 8);
            byte[] acts = split.client().clientForward(data[0], 0);
            int[][][] other = batch(1, 3, 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> split.server().serverStep(acts, other[1], 0));
            assertTrue(e.getMessage().contains("[2, 8, 32]"), e.getMessage());
            byte[] truncated = java.util.Arrays.copyOf(acts, acts.length - 4);
            assertThrows(IllegalArgumentException.class, () -> split.server().serverStep(truncated, data[1], 0));
        }
    }
}
