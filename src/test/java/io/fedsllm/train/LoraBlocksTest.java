package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.CostSettings;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.cost.CostModels;
import io.fedsllm.cost.LayerCosts;
import io.fedsllm.nn.LoraAdapters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** LoraBlocks (wire format, select/merge, payload bits) and FedAvg, without DJL. */
class LoraBlocksTest {

    /** Blocks with the layout of {@code LoraAdapters.sites} over [from, to), values drawn from {@code seed}. */
    static LoraBlocks random(ModelShape shape, LoraSettings lora, int rank, int from, int to, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TreeMap<Integer, Map<String, float[]>> m = new TreeMap<>();
        for (LoraAdapters.Site s : LoraAdapters.sites(shape, lora, from, to)) {
            Map<String, float[]> t = m.computeIfAbsent(s.block(), k -> new LinkedHashMap<>());
            float[] a = new float[s.in() * rank];
            float[] b = new float[rank * s.out()];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextGaussian();
            }
            t.put(s.target() + ".lora_A", a);
            t.put(s.target() + ".lora_B", b);
        }
        return new LoraBlocks(m, rank);
    }

    static void assertSameValues(LoraBlocks want, LoraBlocks got, double tol) {
        assertEquals(want.rank(), got.rank());
        assertEquals(want.blocks().keySet(), got.blocks().keySet());
        want.blocks().forEach((block, m) -> {
            assertEquals(m.keySet(), got.blocks().get(block).keySet(), "block " + block);
            m.forEach((n, v) -> {
                float[] g = got.blocks().get(block).get(n);
                assertEquals(v.length, g.length, n);
                for (int i = 0; i < v.length; i++) {
                    assertEquals(v[i], g[i], tol, "block " + block + " " + n + "[" + i + "]");
                }
            });
        });
    }

    static LoraBlocks one(int block, float[] a, float[] b) {
        TreeMap<Integer, Map<String, float[]>> m = new TreeMap<>();
        m.put(block, Map.of("q.lora_A", a, "q.lora_B", b));
        return new LoraBlocks(m, 1);
    }

    static final ModelShape SHAPE = new ModelShape("lb", 4, 16, 2, 32, 16, 16, 259);
    static final LoraSettings LORA = new LoraSettings(List.of("q", "v", "fc", "proj"), 0, 3, 8, 0);

    @Test
    void fedAvgIsWeightedBySampleCounts() {
        LoraBlocks x = one(2, new float[] {1, 2}, new float[] {0, 4});
        LoraBlocks y = one(2, new float[] {5, 10}, new float[] {4, 0});
        LoraBlocks avg = FedAvg.average(List.of(x, y), List.of(1, 3));
        // (1·x + 3·y) / 4, by hand
        assertArrayEquals(new float[] {4, 8}, avg.blocks().get(2).get("q.lora_A"));
        assertArrayEquals(new float[] {3, 1}, avg.blocks().get(2).get("q.lora_B"));
        assertEquals(1, avg.rank());
        // equal counts give the plain mean; one upload gives itself
        assertArrayEquals(new float[] {3, 6}, FedAvg.average(List.of(x, y), List.of(7, 7)).blocks().get(2).get("q.lora_A"));
        assertArrayEquals(new float[] {1, 2}, FedAvg.average(List.of(x), List.of(5)).blocks().get(2).get("q.lora_A"));
    }

    @Test
    void fedAvgRejectsDifferentLayoutsAndBadCounts() {
        LoraBlocks x = one(2, new float[] {1, 2}, new float[] {0, 4});
        LoraBlocks otherBlock = one(3, new float[] {1, 2}, new float[] {0, 4});
        LoraBlocks rank2 = random(SHAPE, LORA, 2, 0, 1, 1);
        LoraBlocks rank3 = random(SHAPE, LORA, 3, 0, 1, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(x, otherBlock), List.of(1, 1)))
                .getMessage().contains("holds blocks [3]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(rank2, rank3), List.of(1, 1)))
                .getMessage().contains("rank 3"));
        assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(x, x), List.of(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(x, x), List.of(1)));
        assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(), List.of()));
        LoraBlocks nan = one(2, new float[] {1, Float.NaN}, new float[] {0, 4});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(x, nan), List.of(1, 1)))
                .getMessage().contains("upload 1"));
    }

    @Test
    void bytesRoundTripExactly() {
        LoraBlocks b = random(SHAPE, LORA, 3, 1, 3, 5);
        byte[] bytes = b.toBytes();
        LoraBlocks back = LoraBlocks.fromBytes(bytes);
        assertSameValues(b, back, 0);
        assertEquals(List.of(1, 2), back.blockIndices());
        LoraBlocks empty = LoraBlocks.fromBytes(LoraBlocks.empty(4).toBytes());
        assertEquals(4, empty.rank());
        assertTrue(empty.blocks().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> LoraBlocks.fromBytes(new byte[] {1, 2, 3}));
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 4);
        assertThrows(IllegalArgumentException.class, () -> LoraBlocks.fromBytes(cut));
    }

    @Test
    void selectAndMergeAreDisjointUnions() {
        LoraBlocks all = random(SHAPE, LORA, 2, 0, 4, 9);
        LoraBlocks low = all.select(0, 2);
        LoraBlocks high = all.select(2, 4);
        assertEquals(List.of(0, 1), low.blockIndices());
        assertEquals(List.of(2, 3), high.blockIndices());
        assertSameValues(all, high.merge(low), 0);
        assertTrue(all.select(2, 2).blocks().isEmpty());
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class, () -> all.select(0, 3).merge(high));
        assertTrue(overlap.getMessage().contains("block 2"), overlap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> low.merge(random(SHAPE, LORA, 3, 2, 4, 9)));
    }

    @Test
    void bitsMatchTheCostModel() {
        for (String sets : List.of("lora.last-blocks=0|cost.lora-weight-bits=32", "lora.last-blocks=3|cost.lora-weight-bits=16",
                "lora.blocks=[1,3]|cost.lora-weight-bits=32")) {
            String[] s = sets.split("\\|");
            Config config = ConfigLoader.withSets("cost.model=tiny", "lora.targets=[q,v,o,fc]", s[0], s[1]);
            ConfigReader root = ConfigReader.root(config);
            ModelShape shape = ModelShape.named(root, "tiny");
            LoraSettings lora = LoraSettings.from(root);
            int weightBits = CostSettings.from(root).loraWeightBits();
            LayerCosts costs = CostModels.table(config);
            for (int rank : List.of(1, 4, 6)) {
                for (int split = 1; split < shape.layers(); split++) {
                    LoraBlocks client = random(shape, lora, rank, 0, split, 1);
                    LoraBlocks server = random(shape, lora, rank, split, shape.layers(), 1);
                    assertEquals(costs.clientLoraBits(split, rank), client.bits(weightBits), 0, sets + " split " + split);
                    assertEquals(costs.serverLoraBits(split, rank), server.bits(weightBits), 0, sets + " split " + split);
                }
            }
            if (weightBits == 32) {
                LoraBlocks c = random(shape, lora, 4, 0, 2, 1);
                assertEquals(c.bits(32), c.bits(), "bits() is the float32 payload");
            }
        }
    }

    /**
     * lora.blocks and lora.last-blocks pick the same blocks in the real model (LoraAdapters.sites) and in the cost
     * model (LoRA FLOPs and bits only on adapted blocks), for every block and split.
     */
    @Test
    void adaptedSitesAndTheCostModelAgreeOnTheBlockRange() {
        Map<String, List<Integer>> cases = new LinkedHashMap<>();
        cases.put("lora.blocks=[]", List.of(0, 1, 2, 3));
        cases.put("lora.blocks=1,3", List.of(1, 2));
        cases.put("lora.blocks=[0,1]", List.of(0));
        cases.put("lora.blocks=[3,4]", List.of(3));
        cases.put("lora.last-blocks=2", List.of(2, 3));
        cases.put("lora.last-blocks=4", List.of(0, 1, 2, 3));
        cases.forEach((set, want) -> {
            Config config = ConfigLoader.withSets("cost.model=tiny", "lora.targets=[q,v,fc]", set);
            ConfigReader root = ConfigReader.root(config);
            ModelShape shape = ModelShape.named(root, "tiny");
            LoraSettings lora = LoraSettings.from(root);
            List<Integer> siteBlocks = LoraAdapters.sites(shape, lora, 0, shape.layers()).stream()
                    .map(LoraAdapters.Site::block).distinct().toList();
            assertEquals(want, siteBlocks, set + ": adapted blocks of the model");
            LayerCosts costs = CostModels.table(config);
            for (int block = 0; block < shape.layers(); block++) {
                boolean adapted = want.contains(block);
                assertEquals(adapted, costs.loraFlopsPerRank(block + 1) > 0, set + ": LoRA FLOPs of block " + block);
                assertEquals(adapted, costs.loraBitsPerRank(block + 1) > 0, set + ": LoRA bits of block " + block);
            }
            for (int split = 1; split < shape.layers(); split++) { // the cost model's splits: 1..L-1
                assertEquals(costs.clientLoraBits(split, 4), random(shape, lora, 4, 0, split, 1).bits(), 0, set + " split " + split);
                assertEquals(costs.serverLoraBits(split, 4), random(shape, lora, 4, split, shape.layers(), 1).bits(), 0,
                        set + " split " + split);
            }
        });
    }

    @Test
    void badOrConflictingBlockRangesAreRejectedNamingTheKey() {
        ModelShape tiny = ModelShape.named(ConfigReader.root(ConfigLoader.withSets()), "tiny");
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("lora.blocks=[2,2]", "'fedsllm.lora.blocks'");
        bad.put("lora.blocks=[3,1]", "0 <= from < to");
        bad.put("lora.blocks=[-1,2]", "0 <= from < to");
        bad.put("lora.blocks=[1,2,3]", "[from, to]");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            io.fedsllm.config.ConfigError x = assertThrows(io.fedsllm.config.ConfigError.class,
                    () -> LoraSettings.from(ConfigReader.root(ConfigLoader.withSets(e.getKey()))), e.getKey());
            assertTrue(x.getMessage().contains(e.getValue()) && x.getMessage().contains("fedsllm.lora.blocks"), x.getMessage());
        }
        io.fedsllm.config.ConfigError both = assertThrows(io.fedsllm.config.ConfigError.class,
                () -> LoraSettings.from(ConfigReader.root(ConfigLoader.withSets("lora.blocks=[0,2]", "lora.last-blocks=1"))));
        assertTrue(both.getMessage().contains("fedsllm.lora.blocks") && both.getMessage().contains("fedsllm.lora.last-blocks")
                && both.getMessage().contains("conflict"), both.getMessage());
        // Beyond the model's L = 4 blocks: rejected where the model is known (both the real and the cost model).
        LoraSettings tooFar = LoraSettings.from(ConfigReader.root(ConfigLoader.withSets("lora.blocks=[2,5]")));
        io.fedsllm.config.ConfigError far = assertThrows(io.fedsllm.config.ConfigError.class,
                () -> LoraAdapters.sites(tiny, tooFar, 0, 4));
        assertTrue(far.getMessage().contains("fedsllm.lora.blocks") && far.getMessage().contains("to <= 4")
                && far.getMessage().contains("'tiny'"), far.getMessage());
        assertThrows(io.fedsllm.config.ConfigError.class,
                () -> CostModels.table(ConfigLoader.withSets("cost.model=tiny", "lora.blocks=[2,5]")));
        LoraSettings lastTooMany = LoraSettings.from(ConfigReader.root(ConfigLoader.withSets("lora.last-blocks=5")));
        io.fedsllm.config.ConfigError last = assertThrows(io.fedsllm.config.ConfigError.class,
                () -> LoraAdapters.sites(tiny, lastTooMany, 0, 4), "last-blocks > L no longer silently means every block");
        assertTrue(last.getMessage().contains("fedsllm.lora.last-blocks") && last.getMessage().contains("at most 4"), last.getMessage());
    }
}
