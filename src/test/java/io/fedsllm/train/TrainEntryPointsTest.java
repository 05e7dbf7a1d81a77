package io.fedsllm.train;

import static io.fedsllm.train.SmallTraining.assertSameLora;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.PretrainRunSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.FreshThread;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's entry points on the small setup of {@link SmallTraining}: `train --save-lora`, training on a fresh
 * thread, and the shared frozen base under split-federated training.
 */
class TrainEntryPointsTest {
    @TempDir
    Path dir;

    Config config(String... extra) {
        List<String> sets = new ArrayList<>(List.of("train.steps=3", "train.eval-every=2", "train.eval-examples=4",
                "train.generation-mrs=2", "train.max-new-tokens=3"));
        sets.addAll(List.of(extra));
        return SmallTraining.config(dir.resolve("cache"), sets.toArray(String[]::new));
    }

    /** `train --save-lora`: the file holds every adapted block's trained values and loads back into the same values. */
    @Test
    void savedLoraLoadsBackIntoTheTrainedValues() throws Exception {
        for (int split : new int[] {0, 2}) {
            Config c = config("lora.blocks=[1,4]");
            ConfigReader root = ConfigReader.root(c);
            Path file = dir.resolve("lora-" + split + ".safetensors");
            CentralizedTraining.Outcome o = CentralizedTraining.run(root, split, file, io.fedsllm.train.TrainProgress.NONE);
            ModelShape shape = ModelShape.named(root, "mini");
            LoraSettings lora = LoraSettings.from(root);
            assertEquals(List.of(1, 2, 3), o.lora().blockIndices(), "blocks [1, 4) carry adapters");
            boolean trainedB = o.lora().blocks().values().stream().flatMap(m -> m.entrySet().stream())
                    .filter(e -> e.getKey().endsWith("lora_B")).anyMatch(e -> !Arrays.equals(e.getValue(), new float[e.getValue().length]));
            assertTrue(trainedB, "three steps moved B away from its zero start (split " + split + ")");
            try (LoraAdapters back = LoraAdapters.load(shape, lora, lora.rank(), 0, shape.layers(), file, NDManager.newBaseManager())) {
                assertSameLora(o.lora(), LoraBlocks.of(back), 0);
            }
            Map<String, String> meta = SafeTensors.metadata(Files.readAllBytes(file), file.toString());
            assertEquals("mini", meta.get("model"));
            assertEquals("4", meta.get("rank"));
            assertEquals("32.0", meta.get("alpha"));
            assertEquals("q,v,o,fc", meta.get("targets"));
            assertEquals("[1, 4)", meta.get("blocks"));
            assertEquals(Integer.toString(split), meta.get("split"));
        }
    }

    /**
     * Grad mode is per thread and ON where the engine was not loaded: centralized training, pre-training and the
     * training benchmark must still work when called from such a thread.
     */
    @Test
    void trainingWorksOnAFreshThread() throws Exception {
        ConfigReader root = ConfigReader.root(config());
        CentralizedTraining.Outcome o = FreshThread.call(() -> CentralizedTraining.run(root, 2));
        assertEquals(3, o.report().steps());
        assertTrue(Double.isFinite(o.report().valLossEnd()) && o.report().valLossEnd() != o.report().valLossStart(),
                o.report().valLossStart() + " -> " + o.report().valLossEnd());

        ModelShape shape = ModelShape.named(root, "mini");
        PretrainRunSettings p = new PretrainRunSettings(dir.toString(), 3, 2, 2, 1e-3, 1, 0.1, 0.9, 0.999, 1e-8, 0.01, 1.0);
        List<String> docs = List.of("The river runs past the old mill and the rain falls on the hills.".repeat(4));
        String[] sha = new String[2];
        for (int run = 0; run < 2; run++) {
            sha[run] = FreshThread.call(() -> {
                try (ParamSet w = Pretrainer.pretrain(shape, p, new Pretrainer.Corpus(docs, "t"), NDManager.newBaseManager(), l -> { })) {
                    return w.sha256();
                }
            });
        }
        try (ParamSet mainThread = Pretrainer.pretrain(shape, p, new Pretrainer.Corpus(docs, "t"), NDManager.newBaseManager(), l -> { })) {
            assertEquals(mainThread.sha256(), sha[0], "the same weights as on the engine's thread");
        }
        assertEquals(sha[0], sha[1]);

        TrainSettings ts = TrainSettings.from(root);
        TrainBench.Result r = FreshThread.call(() -> TrainBench.run(shape, LoraSettings.from(root), ts, 2, 16, 1));
        assertTrue(r.stepSeconds() > 0 && r.loraParameters() > 0, r.toString());
    }

    /**
     * As the emulator trains (ClientTrainer / ServerTrainer over one TrainContext, the base read in place by every
     * party), the shared base stays bit-identical while each party's LoRA changes from its own start.
     */
    @Test
    void sharedBaseIsBitIdenticalAfterSplitFederatedTraining() {
        TrainData data = TrainData.load(config());
        try (TrainContext ctx = TrainContext.create(config());
             ClientTrainer c0 = ClientTrainer.create(ctx, 0, data.shard(0, 2), 2, 4, SmallTraining.SEED);
             ClientTrainer c1 = ClientTrainer.create(ctx, 1, data.shard(1, 2), 2, 4, SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, 2, 4, SmallTraining.SEED)) {
            String baseBefore = ctx.base().sha256();
            byte[][] loraBefore = {c0.exportLora().toBytes(), c1.exportLora().toBytes(), server.serverLora().toBytes()};
            for (int it = 0; it < 3; it++) {
                SmallTraining.iteration(server, 0, it, c0, c1);
            }
            assertEquals(baseBefore, ctx.base().sha256(), "the shared base changed");
            byte[][] loraAfter = {c0.exportLora().toBytes(), c1.exportLora().toBytes(), server.serverLora().toBytes()};
            String[] who = {"client 0", "client 1", "server"};
            for (int i = 0; i < 3; i++) {
                assertFalse(Arrays.equals(loraBefore[i], loraAfter[i]), who[i] + "'s LoRA did not train");
            }
            assertArrayEquals(c0.exportLora().toBytes(), loraAfter[0], "export is a stable snapshot");
        }
    }
}
