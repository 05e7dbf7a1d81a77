package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.OptimizationSettings;
import io.fedsllm.nn.SafeTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The federated server's strategies over plain LoraBlocks (no DJL): each against its update rule written out in
 * doubles, fedavg bit for bit against FedAvg, the state's byte round trip, and the state across split and rank
 * changes.
 */
class ServerStrategyTest {
    static final List<Integer> SAMPLES = List.of(30, 10, 20);

    static OptimizationSettings settings(String... sets) {
        return OptimizationSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    static ServerStrategy strategy(String name, String... sets) {
        List<String> all = new ArrayList<>(List.of(sets));
        all.add("train.fed-strategy=" + name);
        return ServerStrategy.create(settings(all.toArray(String[]::new)));
    }

    /** Blocks [from, to) with q and v adapters (A 3 × r, B r × 4), gaussian values of scale {@code std}. */
    static LoraBlocks blocks(int from, int to, int rank, long seed, double std) {
        SplittableRandom r = new SplittableRandom(seed);
        TreeMap<Integer, Map<String, float[]>> m = new TreeMap<>();
        for (int b = from; b < to; b++) {
            Map<String, float[]> t = new LinkedHashMap<>();
            for (String target : List.of("q", "v")) {
                t.put(target + ".lora_A", SmallTraining.gaussian(r, 3 * rank, std));
                t.put(target + ".lora_B", SmallTraining.gaussian(r, rank * 4, std));
            }
            m.put(b, t);
        }
        return new LoraBlocks(m, rank);
    }

    /** The uploads of round {@code round}: the global copy plus a client change of about 0.05. */
    static List<LoraBlocks> uploads(LoraBlocks global, int round) {
        List<LoraBlocks> out = new ArrayList<>();
        for (int k = 0; k < SAMPLES.size(); k++) {
            LoraBlocks change = blocks(global.blocks().firstKey(), global.blocks().lastKey() + 1, global.rank(), 100L * round + k, 0.05);
            out.add(map2(global, change, (g, c) -> g + c));
        }
        return out;
    }

    interface Op {
        double apply(double a, double b);
    }

    static LoraBlocks map2(LoraBlocks a, LoraBlocks b, Op op) {
        TreeMap<Integer, Map<String, float[]>> m = new TreeMap<>();
        a.blocks().forEach((block, t) -> {
            Map<String, float[]> o = new LinkedHashMap<>();
            t.forEach((n, x) -> {
                float[] y = b.blocks().get(block).get(n);
                float[] z = new float[x.length];
                for (int i = 0; i < z.length; i++) {
                    z[i] = (float) op.apply(x[i], y[i]);
                }
                o.put(n, z);
            });
            m.put(block, o);
        });
        return new LoraBlocks(m, a.rank());
    }

    /** The reference strategies in doubles, one element at a time (state per element index within a flat walk). */
    static final class Reference {
        final String kind;
        final OptimizationSettings s;
        final Map<String, double[]> m = new TreeMap<>();
        final Map<String, double[]> v = new TreeMap<>();
        int t;

        Reference(String kind, OptimizationSettings s) {
            this.kind = kind;
            this.s = s;
        }

        LoraBlocks aggregate(LoraBlocks global, List<LoraBlocks> uploads) {
            t++;
            LoraBlocks avg = FedAvg.average(uploads, SAMPLES);
            TreeMap<Integer, Map<String, float[]>> out = new TreeMap<>();
            global.blocks().forEach((block, tensors) -> {
                Map<String, float[]> o = new LinkedHashMap<>();
                tensors.forEach((n, g) -> {
                    String key = block + "." + n;
                    double[] mm = m.computeIfAbsent(key, k -> new double[g.length]);
                    double[] vv = v.computeIfAbsent(key, k -> new double[g.length]);
                    float[] a = avg.blocks().get(block).get(n);
                    float[] z = new float[g.length];
                    for (int i = 0; i < g.length; i++) {
                        double d = (double) a[i] - g[i];
                        if (kind.equals("fedavgm")) {
                            mm[i] = s.fedAvgM().momentum() * mm[i] - d;
                            z[i] = (float) (g[i] - s.fedAvgM().learningRate() * mm[i]);
                            continue;
                        }
                        OptimizationSettings.FedOpt f = s.fedOpt();
                        mm[i] = f.beta1() * mm[i] + (1 - f.beta1()) * d;
                        vv[i] = switch (kind) {
                            case "fedadam" -> f.beta2() * vv[i] + (1 - f.beta2()) * d * d;
                            case "fedyogi" -> vv[i] - (1 - f.beta2()) * d * d * Math.signum(vv[i] - d * d);
                            default -> vv[i] + d * d;
                        };
                        double mHat = f.biasCorrection() ? mm[i] / (1 - Math.pow(f.beta1(), t)) : mm[i];
                        double vHat = f.biasCorrection() && !kind.equals("fedadagrad") ? vv[i] / (1 - Math.pow(f.beta2(), t)) : vv[i];
                        z[i] = (float) (g[i] + f.learningRate() * (mHat / (Math.sqrt(vHat) + f.epsilon()) - f.weightDecay() * g[i]));
                    }
                    o.put(n, z);
                });
                out.put(block, o);
            });
            return new LoraBlocks(out, global.rank());
        }
    }

    @Test
    void fedAvgAndFedProxReturnFedAvgsAverageBitForBitAndHoldNoState() {
        LoraBlocks global = blocks(0, 2, 2, 1, 0.1);
        for (String name : List.of("fedavg", "fedprox")) {
            ServerStrategy s = strategy(name);
            byte[] empty = s.state();
            for (int round = 0; round < 3; round++) {
                List<LoraBlocks> up = uploads(global, round);
                LoraBlocks next = s.aggregate(global, up, SAMPLES);
                assertEquals(0, SmallTraining.maxDiff(FedAvg.average(up, SAMPLES), next), name);
                assertArrayEquals(FedAvg.average(up, SAMPLES).toBytes(), next.toBytes(), name + ": the same bytes as today's FedAvg");
                global = next;
            }
            assertArrayEquals(empty, s.state(), name + " keeps no state");
            assertEquals(Map.of(), SafeTensors.parse(s.state(), name));
            assertEquals(name, s.name());
        }
    }

    @Test
    void everyStatefulStrategyFollowsItsUpdateRuleOverRounds() {
        String[][] cases = {
                {"fedavgm"},
                {"fedadam"},
                {"fedadam", "train.fedopt.bias-correction=true", "train.fedopt.weight-decay=0.1"},
                {"fedyogi"},
                {"fedyogi", "train.fedopt.bias-correction=true"},
                {"fedadagrad", "train.fedopt.bias-correction=true"},
                {"fedadagrad"}};
        List<LoraBlocks> finals = new ArrayList<>();
        for (String[] c : cases) {
            String[] sets = java.util.Arrays.copyOfRange(c, 1, c.length);
            ServerStrategy s = strategy(c[0], sets);
            List<String> all = new ArrayList<>(List.of(sets));
            all.add("train.fed-strategy=" + c[0]);
            Reference ref = new Reference(c[0], settings(all.toArray(String[]::new)));
            LoraBlocks global = blocks(0, 2, 2, 1, 0.1);
            LoraBlocks refGlobal = global;
            for (int round = 0; round < 4; round++) {
                global = s.aggregate(global, uploads(global, round), SAMPLES);
                refGlobal = ref.aggregate(refGlobal, uploads(refGlobal, round));
                double d = SmallTraining.maxDiff(refGlobal, global);
                assertTrue(d < 1e-6, String.join(" ", c) + " round " + round + ": max |real - reference| = " + d);
            }
            finals.add(global);
        }
        for (int i = 1; i < finals.size(); i++) {
            assertTrue(SmallTraining.maxDiff(finals.get(i - 1), finals.get(i)) > 1e-4, "cases " + (i - 1) + " and " + i + " are told apart");
        }
    }

    @Test
    void fedAvgMWithRateOneAndNoMomentumIsFedAvg() {
        ServerStrategy m = strategy("fedavgm", "train.fedavgm.momentum=0");
        LoraBlocks global = blocks(0, 2, 2, 1, 0.1);
        for (int round = 0; round < 3; round++) {
            List<LoraBlocks> up = uploads(global, round);
            LoraBlocks next = m.aggregate(global, up, SAMPLES);
            assertTrue(SmallTraining.maxDiff(FedAvg.average(up, SAMPLES), next) < 1e-7);
            global = next;
        }
        assertTrue(SmallTraining.maxDiff(strategy("fedavgm").aggregate(global, uploads(global, 9), SAMPLES),
                FedAvg.average(uploads(global, 9), SAMPLES)) < 1e-7, "first round: v = d whatever the momentum");
    }

    @Test
    void stateRoundTripsThroughBytesAndContinuesExactly() {
        for (String name : List.of("fedavgm", "fedadam", "fedyogi", "fedadagrad")) {
            ServerStrategy a = strategy(name, "train.fedopt.bias-correction=true");
            LoraBlocks global = blocks(0, 3, 2, 1, 0.1);
            for (int round = 0; round < 2; round++) {
                global = a.aggregate(global, uploads(global, round), SAMPLES);
            }
            byte[] saved = a.state();
            ServerStrategy b = strategy(name, "train.fedopt.bias-correction=true");
            b.restoreState(saved);
            assertArrayEquals(saved, b.state(), name + ": restore then export gives the same bytes");
            LoraBlocks fromA = a.aggregate(global, uploads(global, 2), SAMPLES);
            LoraBlocks fromB = b.aggregate(global, uploads(global, 2), SAMPLES);
            assertArrayEquals(fromA.toBytes(), fromB.toBytes(), name + ": a restored strategy continues bit for bit");
            LoraBlocks fresh = strategy(name, "train.fedopt.bias-correction=true").aggregate(global, uploads(global, 2), SAMPLES);
            assertTrue(SmallTraining.maxDiff(fresh, fromA) > 1e-5, name + ": the state matters (a fresh strategy gives another copy)");
            Map<String, String> meta = SafeTensors.metadata(saved, name);
            assertEquals(name, meta.get("strategy"));
            assertEquals("0:2,1:2,2:2", meta.get("steps"));
            assertEquals("2", meta.get("rank"));
            int slots = name.equals("fedavgm") ? 1 : 2;
            assertEquals(3 * 4 * slots, SafeTensors.parse(saved, name).size(), "3 blocks x 4 tensors x slots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> strategy(name.equals("fedadam") ? "fedyogi" : "fedadam").restoreState(saved));
            assertTrue(e.getMessage().contains(name), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.restoreState(new byte[] {1, 2, 3}));
        }
    }

    @Test
    void stateFollowsTheGlobalCopyWhenTheSplitMovesAndResetsOnARankChange() {
        String[] sets = {"train.fedopt.bias-correction=true"};
        ServerStrategy s = strategy("fedadam", sets);
        LoraBlocks global = blocks(0, 2, 2, 1, 0.1);
        for (int round = 0; round < 2; round++) {
            global = s.aggregate(global, uploads(global, round), SAMPLES);
        }
        // The split moves up: block 2 joins the global copy (from the server). Blocks 0, 1 keep their state; block 2
        // starts from zero moments at step 1, so its result is a fresh strategy's.
        LoraBlocks grown = global.merge(blocks(2, 3, 2, 5, 0.1));
        List<LoraBlocks> up = uploads(grown, 2);
        LoraBlocks afterGrow = s.aggregate(grown, up, SAMPLES);
        LoraBlocks fresh = strategy("fedadam", sets).aggregate(grown, up, SAMPLES);
        assertEquals(0, SmallTraining.maxDiff(fresh.select(2, 3), afterGrow.select(2, 3)), "the arriving block starts afresh");
        assertTrue(SmallTraining.maxDiff(fresh.select(0, 2), afterGrow.select(0, 2)) > 1e-5, "the staying blocks keep their moments");
        assertEquals("0:3,1:3,2:1", SafeTensors.metadata(s.state(), "state").get("steps"));
        // The split moves down: block 0 leaves for the server; its state goes.
        LoraBlocks shrunk = afterGrow.select(1, 3);
        s.aggregate(shrunk, uploads(shrunk, 3), SAMPLES);
        assertEquals("1:4,2:2", SafeTensors.metadata(s.state(), "state").get("steps"));
        // The rank changes: every block restarts.
        LoraBlocks reranked = shrunk.resized(4, 1);
        List<LoraBlocks> up4 = uploads(reranked, 4);
        assertEquals(0, SmallTraining.maxDiff(strategy("fedadam", sets).aggregate(reranked, up4, SAMPLES), s.aggregate(reranked, up4, SAMPLES)));
        assertEquals("1:1,2:1", SafeTensors.metadata(s.state(), "state").get("steps"));
        assertEquals("4", SafeTensors.metadata(s.state(), "state").get("rank"));
    }

    @Test
    void aGlobalCopyThatDoesNotMatchTheUploadsIsRejectedAndChangesNothing() {
        for (String name : List.of("fedavg", "fedadam")) {
            ServerStrategy s = strategy(name);
            LoraBlocks global = blocks(0, 2, 2, 1, 0.1);
            byte[] before = s.state();
            List<LoraBlocks> up = uploads(global, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.aggregate(global.select(0, 1), up, SAMPLES));
            assertTrue(e.getMessage().contains("blocks [0] vs [0, 1]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.aggregate(global.resized(3, 1), up, SAMPLES), "rank");
            assertThrows(IllegalArgumentException.class, () -> s.aggregate(null, up, SAMPLES), "no global");
            LoraBlocks nan = map2(global, global, (a, b) -> a == global.blocks().get(0).get("q.lora_A")[0] ? Double.NaN : a);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.aggregate(nan, up, SAMPLES)).getMessage().contains("non-finite"));
            assertThrows(IllegalArgumentException.class, () -> s.aggregate(global, up, List.of(1, 2)), "one count per upload");
            assertArrayEquals(before, s.state(), name + ": nothing changed");
            assertFalse(s.aggregate(global, up, SAMPLES).blocks().isEmpty());
        }
    }
}
