package io.fedsllm.train;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.Seeds;
import io.fedsllm.nn.LmLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A very small split-federated setup for the train-library tests: a 4-block model of width 32 ("mini", byte
 * tokenizer), a 2-step pre-trained base cached under a temporary directory, 20 synthetic training MRs, b = 3.
 */
final class SmallTraining {
    static final int LAYERS = 4;
    static final long SEED = 7;

    private SmallTraining() {}

    static Config config(Path cacheDir, String... extra) {
        List<String> sets = new ArrayList<>(List.of("models.mini.layers=" + LAYERS, "models.mini.d-model=32", "models.mini.heads=4",
                "models.mini.d-ff=64", "models.mini.context=128", "models.mini.seq-len=128", "models.mini.vocab=259",
                "train.model=mini", "cost.model=mini", "pretrain.cache-dir=" + cacheDir, "pretrain.steps=2", "pretrain.batch-size=2",
                "data.synthetic.train-mrs=20", "data.synthetic.validation-mrs=4", "data.synthetic.test-mrs=2",
                "data.pretrain.documents=50", "train.batch-size=4", "train.eval-examples=6", "system.batch-size=3",
                "lora.dropout=0", "lora.targets=[q,v,o,fc]", "seed=" + SEED));
        sets.addAll(List.of(extra));
        return ConfigLoader.withSets(sets.toArray(String[]::new));
    }

    /** The data of {@link #config} (its shards and validation examples do not depend on the training settings). */
    static TrainData data(Path cacheDir) {
        return TrainData.load(config(cacheDir));
    }

    /** LoRA values for the adapted blocks of [from, to) with non-zero B (so every gradient is non-trivial). */
    static LoraBlocks randomLora(TrainContext ctx, int rank, int from, int to, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TreeMap<Integer, Map<String, float[]>> m = new TreeMap<>();
        for (io.fedsllm.nn.LoraAdapters.Site s : io.fedsllm.nn.LoraAdapters.sites(ctx.shape(), ctx.lora(), from, to)) {
            Map<String, float[]> t = m.computeIfAbsent(s.block(), k -> new LinkedHashMap<>());
            t.put(s.target() + ".lora_A", gaussian(r, s.in() * rank, 1.0 / Math.sqrt(s.in())));
            t.put(s.target() + ".lora_B", gaussian(r, rank * s.out(), 0.05));
        }
        return new LoraBlocks(m, rank);
    }

    static float[] gaussian(SplittableRandom r, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (std * r.nextGaussian());
        }
        return v;
    }

    /** One local iteration: every client's forward, one server step on all of them, every client's backward. */
    static ServerTrainer.Step iteration(ServerTrainer server, int round, int iteration, ClientTrainer... clients) {
        List<byte[]> acts = new ArrayList<>();
        List<int[][]> labels = new ArrayList<>();
        for (ClientTrainer c : clients) {
            ClientTrainer.Forward f = c.forward(round, iteration);
            acts.add(f.activations());
            labels.add(f.labels());
        }
        ServerTrainer.Step st = server.step(acts, labels);
        for (int i = 0; i < clients.length; i++) {
            clients[i].backward(st.activationGradients().get(i));
        }
        return st;
    }

    /** The batch ClientTrainer draws for (client, round, iteration): the documented stream, re-drawn here. */
    static TokenBatch batchOf(TrainContext ctx, TrainData data, int client, int clients, int round, int iteration) {
        return FineTuner.sample(E2eTask.examples(data.shard(client, clients)), ctx.tokenizer(), ctx.batchSize(), ctx.shape().seqLen(),
                Seeds.random(SEED, "batch", client, round, iteration));
    }

    /** Row-wise concatenation, padding inputs with pad and labels with IGNORE to the longest batch. */
    static TokenBatch concat(TrainContext ctx, TokenBatch... batches) {
        int t = Arrays.stream(batches).mapToInt(b -> b.inputs()[0].length).max().orElseThrow();
        List<int[]> in = new ArrayList<>();
        List<int[]> lab = new ArrayList<>();
        for (TokenBatch b : batches) {
            for (int i = 0; i < b.inputs().length; i++) {
                int[] x = Arrays.copyOf(b.inputs()[i], t);
                Arrays.fill(x, b.inputs()[i].length, t, ctx.tokenizer().pad());
                int[] y = Arrays.copyOf(b.labels()[i], t);
                Arrays.fill(y, b.labels()[i].length, t, LmLoss.IGNORE);
                in.add(x);
                lab.add(y);
            }
        }
        return new TokenBatch(in.toArray(int[][]::new), lab.toArray(int[][]::new));
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Math.abs(want[i] - got[i]) > tol) {
                org.junit.jupiter.api.Assertions.fail(what + "[" + i + "]: expected " + want[i] + ", got " + got[i] + " (tolerance " + tol + ")");
            }
        }
    }

    /** The largest |want − got| over every value of two LoraBlocks of the same layout. */
    static double maxDiff(LoraBlocks want, LoraBlocks got) {
        double d = 0;
        for (Map.Entry<Integer, Map<String, float[]>> e : want.blocks().entrySet()) {
            for (Map.Entry<String, float[]> t : e.getValue().entrySet()) {
                float[] g = got.blocks().get(e.getKey()).get(t.getKey());
                for (int i = 0; i < g.length; i++) {
                    d = Math.max(d, Math.abs(t.getValue()[i] - g[i]));
                }
            }
        }
        return d;
    }

    static void assertSameLora(LoraBlocks want, LoraBlocks got, double tol) {
        LoraBlocksTest.assertSameValues(want, got, tol);
    }
}
