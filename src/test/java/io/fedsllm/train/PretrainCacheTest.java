package io.fedsllm.train;

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
        return new PretrainRunSettings(cache.toString(), 3, steps, 4, 1e-3, 2, 0.01, 1.0);
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
}
