package io.fedsllm.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import org.junit.jupiter.api.Test;

/**
 * GPT-2 small at seq 512 (d = 768, d_ff = 3072, vocab = 50257), LoRA on Q and V, 32-bit values, 5 FLOPs per
 * LayerNorm element. Hand numbers, per sample:
 * <pre>
 *   attention  2·512·(4·768² + 2·512·768) = 1024·(2 359 296 + 786 432) = 3 221 225 472
 *   MLP        2·512·(2·768·3072)          = 1024·4 718 592            = 4 831 838 208
 *   LayerNorm  5·512·768                   = 1 966 080 (two per block  = 3 932 160)
 *   ρ_j        3 221 225 472 + 4 831 838 208 + 3 932 160                = 8 056 995 840
 *   ρ'_j       2 projections · 2·512·(768 + 768) = 2 · 1 572 864         = 3 145 728
 *   head       2·512·768·50257 + 1 966 080 = 39 523 713 024 + 1 966 080 = 39 525 679 104
 *   ψ_j        512·768·32                                               = 12 582 912 bits
 *   δ_j        2 projections · (768 + 768) · 32                         = 98 304 bits per rank
 * </pre>
 */
class CostModelsTest {
    private static final double RHO = 8_056_995_840.0;
    private static final double RHO_LORA = 3_145_728.0;
    private static final double HEAD = 39_525_679_104.0;
    private static final double PSI = 12_582_912.0;
    private static final double DELTA = 98_304.0;

    @Test
    void gpt2SmallPerLayerNumbersEqualTheFormulas() {
        LayerCosts t = CostModels.table(ConfigLoader.withSets());
        assertEquals(12, t.layers());
        assertEquals(3_221_225_472.0, LayerCosts.attentionFlops(512, 768), 0);
        assertEquals(4_831_838_208.0, LayerCosts.mlpFlops(512, 768, 3072), 0);
        assertEquals(39_523_713_024.0, LayerCosts.lmHeadFlops(512, 768, 50257), 0);
        for (int j = 1; j <= 12; j++) {
            assertEquals(RHO, t.blockFlops(j), 0);
            assertEquals(RHO_LORA, t.loraFlopsPerRank(j), 0);
            assertEquals(PSI, t.activationBits(j), 0);
            assertEquals(DELTA, t.loraBitsPerRank(j), 0);
        }
        assertEquals(HEAD, t.headFlops(), 0);
        // Whole model, rank 4: 12·(ρ + 4ρ') + head = 12·8 069 578 752 + 39 525 679 104 = 136 360 624 128.
        assertEquals(136_360_624_128.0, t.totalFlops(4), 0);
    }

    @Test
    void splitCostsPerMiniBatchAtSplitTwoRankFour() {
        SplitCosts c = CostModels.from(ConfigLoader.withSets());
        assertEquals(12, c.layers());
        // client: b·2·(ρ + 4ρ') = 16·2·8 069 578 752 = 258 226 520 064
        assertEquals(258_226_520_064.0, c.clientForwardFlops(2, 4), 0);
        // server: b·(10·(ρ + 4ρ') + head) = 16·(80 695 787 520 + 39 525 679 104) = 1 923 543 465 984
        assertEquals(1_923_543_465_984.0, c.serverForwardFlops(2, 4), 0);
        // activations: b·seq·d·32 = 16·12 582 912 = 201 326 592 bits, whatever the rank
        assertEquals(201_326_592.0, c.activationBits(2), 0);
        assertEquals(c.activationBits(2), c.activationBits(7), 0);
        // client LoRA: r·ℓ·δ = 4·2·98 304 = 786 432 bits (not multiplied by b)
        assertEquals(786_432.0, c.clientLoraBits(2, 4), 0);
    }

    @Test
    void loraBitsScaleLinearlyWithRankAndSplit() {
        SplitCosts c = CostModels.from(ConfigLoader.withSets());
        for (int split = 1; split <= 11; split++) {
            for (int rank : new int[] {1, 2, 4, 6, 8, 32}) {
                assertEquals(rank * split * DELTA, c.clientLoraBits(split, rank), 0);
            }
        }
    }

    @Test
    void activationBitsFollowPrecisionAndBatch() {
        SplitCosts c = CostModels.from(ConfigLoader.withSets("cost.activation-bits=16", "system.batch-size=3"));
        assertEquals(3 * 512.0 * 768 * 16, c.activationBits(5), 0);
    }

    @Test
    void lastBlocksRestrictsLoraToTheFinalBlocks() {
        SplitCosts c = CostModels.from(ConfigLoader.withSets("lora.last-blocks=3"));
        // Blocks 10..12 carry LoRA: a split at 9 keeps no adapter on the client.
        assertEquals(0.0, c.clientLoraBits(9, 8), 0);
        assertEquals(c.clientForwardFlops(9, 1), c.clientForwardFlops(9, 8), 0);
        assertEquals(16 * 9 * RHO, c.clientForwardFlops(9, 8), 0);
        // Split at 10: one adapted block on the client; server has blocks 11, 12 with LoRA.
        assertEquals(8 * DELTA, c.clientLoraBits(10, 8), 0);
        assertEquals(16 * (10 * RHO + 8 * RHO_LORA), c.clientForwardFlops(10, 8), 0);
        assertEquals(16 * (2 * (RHO + 8 * RHO_LORA) + HEAD), c.serverForwardFlops(10, 8), 0);
        ConfigError e = assertThrows(ConfigError.class, () -> CostModels.from(ConfigLoader.withSets("lora.last-blocks=13")));
        assertTrue(e.getMessage().contains("fedsllm.lora.last-blocks") && e.getMessage().contains("13")
                && e.getMessage().contains("at most 12"), e.getMessage());
    }

    @Test
    void moreTargetsAddTheirProjectionSizes() {
        // q,v,fc: 2·(768+768) + (768+3072) = 6912 per rank → ρ' = 2·512·6912 = 7 077 888; δ = 6912·32 = 221 184.
        LayerCosts t = CostModels.table(ConfigLoader.withSets("lora.targets=q,v,fc"));
        assertEquals(7_077_888.0, t.loraFlopsPerRank(1), 0);
        assertEquals(221_184.0, t.loraBitsPerRank(1), 0);
    }

    @Test
    void paperTableModeReturnsTableThreeFiguresPerMiniBatch() {
        SplitCosts c = CostModels.from(ConfigLoader.withSets("cost.mode=paper-table"));
        // Per block: LN 0.025 + attention 257.7 + FFN 309.2 = 566.925 GFLOP; LoRA 0.050 GFLOP per rank.
        // client(2, 4) = 2·566.925 + 2·4·0.050 = 1133.85 + 0.4 = 1134.25 GFLOP
        assertEquals(1134.25e9, c.clientForwardFlops(2, 4), 1e-3);
        // server(2, 4) = 10·(566.925 + 0.2) + 0.025 + 1264.1 = 5671.25 + 1264.125 = 6935.375 GFLOP
        assertEquals(6935.375e9, c.serverForwardFlops(2, 4), 1e-3);
        // FLOPs are per mini-batch: the batch size does not change them; activation bits still scale with b.
        SplitCosts b1 = CostModels.from(ConfigLoader.withSets("cost.mode=paper-table", "system.batch-size=1"));
        assertEquals(c.clientForwardFlops(3, 2), b1.clientForwardFlops(3, 2), 0);
        assertEquals(PSI, b1.activationBits(2), 0);
        assertEquals(16 * PSI, c.activationBits(2), 0);
        assertEquals(786_432.0, c.clientLoraBits(2, 4), 0);
        LayerCosts t = CostModels.table(ConfigLoader.withSets("cost.mode=paper-table"));
        assertEquals(1264.125e9, t.headFlops(), 1e-3);
        assertEquals(0.050e9, t.loraFlopsPerRank(12), 1e-6);
    }

    @Test
    void splitAndRankOutsideTheirRangesAreRejected() {
        SplitCosts c = CostModels.from(ConfigLoader.withSets());
        assertThrows(IllegalArgumentException.class, () -> c.clientForwardFlops(0, 4));
        assertThrows(IllegalArgumentException.class, () -> c.serverForwardFlops(12, 4));
        assertThrows(IllegalArgumentException.class, () -> c.activationBits(12));
        assertThrows(IllegalArgumentException.class, () -> c.clientLoraBits(2, 0));
    }

    @Test
    void perSampleTableIsDerivedEvenInPaperTableMode() {
        LayerCosts t = CostModels.perSample(ConfigLoader.withSets("cost.mode=paper-table"));
        assertEquals(RHO, t.blockFlops(3), 0);
    }

    @Test
    void computeProfileTurnsFlopsIntoSeconds() {
        // 1.536e12 FLOP at 1.5 GHz × 1024 FLOPs/cycle = 1 s.
        assertEquals(1.0, new ComputeProfile(1.5e9, 1024).seconds(1.536e12), 1e-15);
    }
}
