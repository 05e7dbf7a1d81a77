package io.fedsllm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.PartitionSettings;
import io.fedsllm.config.UserError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    private static final List<E2eRecord> TRAIN =
            SyntheticE2e.generate(new DataSettings.Synthetic(500, 1, 1, 2, 1, 3, 126), 5).train();

    /** Every index in [0, n) exactly once, and no client empty. */
    private static void assertExactCover(Partitioner.Partition p, int n) {
        List<Integer> all = new ArrayList<>();
        for (List<Integer> c : p.clients()) {
            assertFalse(c.isEmpty(), "empty client in " + p);
            all.addAll(c);
        }
        assertEquals(n, all.size(), "sizes sum to N");
        assertEquals(n, new HashSet<>(all).size(), "disjoint");
        Collections.sort(all);
        assertEquals(0, all.get(0));
        assertEquals(n - 1, all.get(n - 1));
    }

    private static PartitionSettings settings(String... sets) {
        return PartitionSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    @Test
    void iidGivesNearEqualDisjointShardsDeterministically() {
        Partitioner.Partition p = Partitioner.iid(1003, 7, 42);
        assertExactCover(p, 1003);
        for (List<Integer> c : p.clients()) {
            assertTrue(c.size() == 143 || c.size() == 144, "size " + c.size());
        }
        assertEquals(p, Partitioner.iid(1003, 7, 42));
        assertNotEquals(p, Partitioner.iid(1003, 7, 43));
        assertEquals(Partitioner.iid(TRAIN.size(), 7, 42), Partitioner.partition(TRAIN, 7, settings(), 42));
    }

    @Test
    void dirichletCoversEverySampleOnceDeterministically() {
        List<String> labels = Partitioner.labels(TRAIN, "food");
        for (double alpha : new double[] {0.001, 0.1, 1, 100}) {
            Partitioner.Partition p = Partitioner.dirichlet(labels, 10, alpha, 3);
            assertExactCover(p, labels.size());
            assertEquals(p, Partitioner.dirichlet(labels, 10, alpha, 3));
        }
        PartitionSettings s = settings("data.partition.scheme=dirichlet", "data.partition.alpha=0.3",
                "data.partition.slot=area");
        assertEquals(Partitioner.dirichlet(Partitioner.labels(TRAIN, "area"), 4, 0.3, 9),
                Partitioner.partition(TRAIN, 4, s, 9));
        assertTrue(Partitioner.labels(TRAIN, "area").contains(Partitioner.ABSENT));
    }

    @Test
    void smallAlphaIsMoreSkewedThanLargeAlpha() {
        List<String> labels = Partitioner.labels(TRAIN, "food");
        double skewSmall = Partitioner.labelSkew(Partitioner.dirichlet(labels, 5, 0.1, 1), labels);
        double skewLarge = Partitioner.labelSkew(Partitioner.dirichlet(labels, 5, 100, 1), labels);
        double skewIid = Partitioner.labelSkew(Partitioner.iid(labels.size(), 5, 1), labels);
        assertTrue(skewSmall > 0.3, "alpha 0.1 skew " + skewSmall);
        assertTrue(skewLarge < 0.1, "alpha 100 skew " + skewLarge);
        assertTrue(skewIid < 0.1, "iid skew " + skewIid);
        assertTrue(skewSmall > 4 * skewLarge, skewSmall + " vs " + skewLarge);
    }

    @Test
    void noClientIsEmptyEvenWhenOneLabelGoesToOneClient() {
        // One label, tiny alpha: the Dirichlet puts (nearly) everything on one client; the fill-up moves one sample
        // to each empty client.
        List<String> labels = Collections.nCopies(12, "x");
        Partitioner.Partition p = Partitioner.dirichlet(labels, 6, 1e-4, 2);
        assertExactCover(p, 12);
        Set<Integer> sizes = new HashSet<>();
        p.clients().forEach(c -> sizes.add(c.size()));
        assertTrue(sizes.contains(7) && sizes.contains(1), "sizes " + sizes);
        assertExactCover(Partitioner.dirichlet(Collections.nCopies(3, "x"), 3, 1e-4, 2), 3);
    }

    @Test
    void tooFewSamplesAndBadSettingsAreRejected() {
        UserError e = assertThrows(UserError.class, () -> Partitioner.iid(3, 4, 1));
        assertTrue(e.getMessage().contains("4 clients"), e.getMessage());
        assertThrows(UserError.class, () -> Partitioner.dirichlet(List.of("a"), 2, 1, 1));
        assertThrows(ConfigError.class, () -> settings("data.partition.alpha=0"));
        assertThrows(ConfigError.class, () -> settings("data.partition.slot=colour"));
        assertThrows(ConfigError.class, () -> settings("data.partition.scheme=shards"));
    }

    @Test
    void cutSumsToTheGroupSize() {
        assertEquals(List.of(4, 3, 3), toList(Partitioner.cut(10, new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0})));
        assertEquals(List.of(0, 7, 0), toList(Partitioner.cut(7, new double[] {0, 1, 0})));
        assertEquals(List.of(2, 1), toList(Partitioner.cut(3, new double[] {0.55, 0.45})));
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int x : a) {
            l.add(x);
        }
        return l;
    }
}
