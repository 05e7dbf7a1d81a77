package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.PretrainRunSettings;
import io.fedsllm.nn.Gpt2Weights;
import io.fedsllm.nn.ParamSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pre-training is reproducible bit for bit, cached, and rebuilt when its configuration hash changes. */
class PretrainCacheTest {
    static final ModelShape SHAPE = new ModelShape("tiny-test", 2, 32, 4, 64, 32, 32, 259);

    @TempDir
    Path dir;

    /** An in-test stand-in corpus (the real one comes from io.fedsllm.data). */
    static Pretrainer.Corpus corpus() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            docs.add("The river " + i + " runs past the old mill and the rain falls on the hills " + (i * 7 % 13) + ".");
        }
        return new Pretrainer.Corpus(docs, "stand-in-40");
    }

    PretrainRunSettings settings(Path cache, int steps) {
        return new PretrainRunSettings(cache.toString(), 3, steps, 4, 1e-3, 2, 0.1, 0.9, 0.999, 1e-8, 0.01, 1.0);
    }

    @Test
    void pretrainingTwiceGivesIdenticalWeights() {
        String[] sha = new String[2];
        for (int run = 0; run < 2; run++) {
            try (ParamSet w = Pretrainer.pretrain(SHAPE, settings(dir, 5), corpus(), NDManager.newBaseManager(), l -> { })) {
                sha[run] = w.sha256();
            }
        }
        assertEquals(sha[0], sha[1]);
        try (ParamSet init = Gpt2Weights.random(SHAPE, 3, NDManager.newBaseManager())) {
            assertNotEquals(init.sha256(), sha[0], "five steps changed the weights");
        }
    }

    @Test
    void baseIsCachedAndRebuiltWhenConfigChanges() throws Exception {
        List<Double> losses = new ArrayList<>();
        BaseModelCache.Entry first = BaseModelCache.obtain(SHAPE, settings(dir, 5), PretrainCacheTest::corpus, "stand-in-40",
                NDManager.newBaseManager(), losses::add);
        first.weights().close();
        assertTrue(first.built());
        assertEquals(5, losses.size());
        assertTrue(Files.readString(first.file().resolveSibling("manifest.json")).contains(first.configHash()));
        BaseModelCache.Entry again = BaseModelCache.obtain(SHAPE, settings(dir, 5), () -> {
            throw new AssertionError("a cached base must not rebuild the corpus");
        }, "stand-in-40", NDManager.newBaseManager(), l -> { });
        again.weights().close();
        assertFalse(again.built());
        assertEquals(first.weightsSha256(), again.weightsSha256());
        BaseModelCache.Entry changed = BaseModelCache.obtain(SHAPE, settings(dir, 6), PretrainCacheTest::corpus, "stand-in-40",
                NDManager.newBaseManager(), l -> { });
        changed.weights().close();
        assertTrue(changed.built());
        assertNotEquals(first.configHash(), changed.configHash());
        assertNotEquals(first.weightsSha256(), changed.weightsSha256());
    }

    /**
     * A cached file whose weights no longer match the manifest's SHA-256 (one flipped bit) or that cannot be read
     * (truncated) is rebuilt, with the reason, into the same weights as before.
     */
    @Test
    void damagedCacheIsDetectedAndRebuilt() throws Exception {
        BaseModelCache.Entry first = BaseModelCache.obtain(SHAPE, settings(dir, 3), PretrainCacheTest::corpus, "stand-in-40",
                NDManager.newBaseManager(), l -> { });
        first.weights().close();
        assertTrue(first.built());
        assertTrue(first.buildReason().startsWith("no cached base"), first.buildReason());
        byte[] good = Files.readAllBytes(first.file());

        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x01; // one bit of the last float: still a valid file, other weights
        Files.write(first.file(), flipped);
        BaseModelCache.Entry afterFlip = BaseModelCache.obtain(SHAPE, settings(dir, 3), PretrainCacheTest::corpus, "stand-in-40",
                NDManager.newBaseManager(), l -> { });
        afterFlip.weights().close();
        assertTrue(afterFlip.built(), "a damaged cache is rebuilt, not used");
        assertTrue(afterFlip.buildReason().contains("SHA-256") && afterFlip.buildReason().contains(first.weightsSha256()),
                afterFlip.buildReason());
        assertEquals(first.weightsSha256(), afterFlip.weightsSha256(), "the rebuilt base is the original one");
        assertArrayEquals(good, Files.readAllBytes(first.file()), "and so is the rewritten file");

        Files.write(first.file(), java.util.Arrays.copyOf(good, good.length / 2));
        BaseModelCache.Entry afterCut = BaseModelCache.obtain(SHAPE, settings(dir, 3), PretrainCacheTest::corpus, "stand-in-40",
                NDManager.newBaseManager(), l -> { });
        afterCut.weights().close();
        assertTrue(afterCut.built());
        assertTrue(afterCut.buildReason().contains("cannot be read"), afterCut.buildReason());
        assertEquals(first.weightsSha256(), afterCut.weightsSha256());

        BaseModelCache.Entry intact = BaseModelCache.obtain(SHAPE, settings(dir, 3), () -> {
            throw new AssertionError("an intact cache must not rebuild");
        }, "stand-in-40", NDManager.newBaseManager(), l -> { });
        intact.weights().close();
        assertFalse(intact.built());
        assertEquals("", intact.buildReason());
    }

    /** The pre-training AdamW and schedule settings are part of the cache key (a change must not reuse the cache). */
    @Test
    void configHashCoversTheOptimiserAndScheduleKeys() {
        PretrainRunSettings s = settings(dir, 5);
        String h = BaseModelCache.configHash(SHAPE, s, "c");
        List<PretrainRunSettings> changed = List.of(
                new PretrainRunSettings(s.cacheDir(), 3, 5, 4, 1e-3, 2, 0.2, 0.9, 0.999, 1e-8, 0.01, 1.0),
                new PretrainRunSettings(s.cacheDir(), 3, 5, 4, 1e-3, 2, 0.1, 0.8, 0.999, 1e-8, 0.01, 1.0),
                new PretrainRunSettings(s.cacheDir(), 3, 5, 4, 1e-3, 2, 0.1, 0.9, 0.99, 1e-8, 0.01, 1.0),
                new PretrainRunSettings(s.cacheDir(), 3, 5, 4, 1e-3, 2, 0.1, 0.9, 0.999, 1e-6, 0.01, 1.0));
        for (PretrainRunSettings c : changed) {
            assertNotEquals(h, BaseModelCache.configHash(SHAPE, c, "c"), c.toString());
        }
        assertEquals(h, BaseModelCache.configHash(SHAPE, settings(dir, 5), "c"));
    }

    @Test
    void scheduleWarmsUpThenDecaysToTheConfiguredFloor() {
        assertEquals(0.5, Pretrainer.learningRateFactor(0, 2, 10, 0.1), 1e-12);
        assertEquals(1.0, Pretrainer.learningRateFactor(2, 2, 10, 0.1), 1e-12);
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), Pretrainer.learningRateFactor(6, 2, 10, 0.1), 1e-12);
        assertEquals(0.25, Pretrainer.learningRateFactor(10, 2, 10, 0.25), 1e-12, "ends at min-lr-fraction of the peak");
    }
}
