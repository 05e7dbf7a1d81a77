package io.fedsllm.data;

import io.fedsllm.config.PartitionSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.UserError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Divides N training samples among K clients; every sample goes to exactly one client and no client is empty.
 * <ul>
 *   <li><b>IID</b>: shuffle (stream {@code (seed, "partition-iid")}), then contiguous shards of ⌊N/K⌋ or ⌈N/K⌉.</li>
 *   <li><b>Dirichlet</b> (label skew, Hsu et al. 2019): the label of a sample is the value of one MR slot (a
 *       sample without it has the label {@link #ABSENT}). For each label c, in sorted order, proportions
 *       q ~ Dir(α·1_K) are drawn as normalised Gamma(α, 1) variates (commons-math, stream
 *       {@code (seed, "partition-dirichlet", c)}); the label's samples, shuffled by
 *       {@code (seed, "partition-dirichlet-shuffle", c)}, are cut into K runs of sizes ⌊m q_k⌋ plus the
 *       remainder given one by one to the largest fractional parts. If every Gamma draw underflows to 0
 *       (tiny α), the whole label goes to one client drawn uniformly from the same stream (the α → 0 limit).</li>
 * </ul>
 * <b>No empty client</b>: N ≥ K is required (else a {@link UserError}). After the Dirichlet cut, while some
 * client is empty, the client with the most samples (lowest index on ties) gives it its highest-index sample.
 * With N ≥ K and one client empty, the others hold ≥ K samples among K−1 clients, so the donor has ≥ 2 and never
 * becomes empty itself; each move fills one empty client, so at most K−1 moves happen.
 */
public final class Partitioner {
    /** The Dirichlet label of a sample whose MR lacks the slot. */
    public static final String ABSENT = "(absent)";

    private Partitioner() {}

    /**
     * Which samples each client holds.
     *
     * @param clients client k's sample indices (into the partitioned list), ascending
     */
    public record Partition(List<List<Integer>> clients) {
        public Partition {
            List<List<Integer>> copy = new ArrayList<>();
            clients.forEach(c -> copy.add(List.copyOf(c)));
            clients = List.copyOf(copy);
        }

        public int clientCount() {
            return clients.size();
        }

        /** Samples of client k (0-based). */
        public <T> List<T> samplesOf(int k, List<T> all) {
            return clients.get(k).stream().map(all::get).toList();
        }
    }

    /** Partitions the training records among {@code clients} with the configured scheme, seeded by {@code seed}. */
    public static Partition partition(List<E2eRecord> train, int clients, PartitionSettings s, long seed) {
        return switch (s.scheme()) {
            case IID -> iid(train.size(), clients, seed);
            case DIRICHLET -> dirichlet(labels(train, s.slot()), clients, s.alpha(), seed);
        };
    }

    /** The Dirichlet label of every record: its value of {@code slot}, or {@link #ABSENT}. */
    public static List<String> labels(List<E2eRecord> records, String slot) {
        return records.stream().map(r -> r.slots().getOrDefault(slot, ABSENT)).toList();
    }

    public static Partition iid(int n, int clients, long seed) {
        requireEnough(n, clients);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        SyntheticE2e.shuffle(order, Seeds.random(seed, "partition-iid"));
        List<List<Integer>> shards = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            int from = (int) ((long) k * n / clients);
            int to = (int) ((long) (k + 1) * n / clients);
            List<Integer> shard = new ArrayList<>(order.subList(from, to));
            Collections.sort(shard);
            shards.add(shard);
        }
        return new Partition(shards);
    }

    public static Partition dirichlet(List<String> labels, int clients, double alpha, long seed) {
        requireEnough(labels.size(), clients);
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("Dirichlet alpha must be finite and > 0, got " + alpha);
        }
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < labels.size(); i++) {
            byLabel.computeIfAbsent(labels.get(i), l -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> shards = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            shards.add(new ArrayList<>());
        }
        for (Map.Entry<String, List<Integer>> e : byLabel.entrySet()) {
            List<Integer> members = e.getValue();
            SyntheticE2e.shuffle(members, Seeds.random(seed, "partition-dirichlet-shuffle", labelIndex(e.getKey())));
            int[] counts = cut(members.size(), proportions(clients, alpha,
                    Seeds.commons(seed, "partition-dirichlet", labelIndex(e.getKey()))));
            int at = 0;
            for (int k = 0; k < clients; k++) {
                shards.get(k).addAll(members.subList(at, at + counts[k]));
                at += counts[k];
            }
        }
        for (List<Integer> s : shards) {
            Collections.sort(s);
        }
        fillEmptyClients(shards);
        return new Partition(shards);
    }

    /**
     * Label skew: the mean over clients of the total-variation distance ½ Σ_c |p_k(c) − p(c)| between a client's
     * label distribution and the global one. 0 = every client looks like the whole; near 1 = disjoint labels.
     */
    public static double labelSkew(Partition p, List<String> labels) {
        Map<String, Double> global = distribution(p.clients().stream().flatMap(List::stream).toList(), labels);
        double sum = 0;
        for (List<Integer> client : p.clients()) {
            Map<String, Double> local = distribution(client, labels);
            double tv = 0;
            for (String c : global.keySet()) {
                tv += Math.abs(local.getOrDefault(c, 0.0) - global.get(c));
            }
            sum += tv / 2;
        }
        return sum / p.clientCount();
    }

    private static Map<String, Double> distribution(List<Integer> samples, List<String> labels) {
        Map<String, Double> d = new TreeMap<>();
        for (int i : samples) {
            d.merge(labels.get(i), 1.0 / samples.size(), Double::sum);
        }
        return d;
    }

    /** q ~ Dir(α·1_K) as normalised Gamma(α, 1) draws; one-hot on a uniform client if all draws underflow. */
    static double[] proportions(int clients, double alpha, RandomGenerator rng) {
        GammaDistribution gamma = new GammaDistribution(rng, alpha, 1.0);
        double[] q = new double[clients];
        double sum = 0;
        for (int k = 0; k < clients; k++) {
            q[k] = gamma.sample();
            sum += q[k];
        }
        if (!(sum > 0)) {
            q = new double[clients];
            q[rng.nextInt(clients)] = 1;
            return q;
        }
        for (int k = 0; k < clients; k++) {
            q[k] /= sum;
        }
        return q;
    }

    /** Integer sizes summing to m: floors of m·q_k, remainder to the largest fractional parts (lowest k on ties). */
    static int[] cut(int m, double[] q) {
        int[] counts = new int[q.length];
        double[] frac = new double[q.length];
        int assigned = 0;
        for (int k = 0; k < q.length; k++) {
            double exact = m * q[k];
            counts[k] = (int) Math.floor(exact);
            frac[k] = exact - counts[k];
            assigned += counts[k];
        }
        Integer[] byFrac = new Integer[q.length];
        for (int k = 0; k < q.length; k++) {
            byFrac[k] = k;
        }
        java.util.Arrays.sort(byFrac, (a, b) -> frac[a] != frac[b] ? Double.compare(frac[b], frac[a]) : Integer.compare(a, b));
        for (int i = 0; assigned < m; i = (i + 1) % q.length) {
            counts[byFrac[i]]++;
            assigned++;
        }
        return counts;
    }

    private static void fillEmptyClients(List<List<Integer>> shards) {
        for (int k = 0; k < shards.size(); k++) {
            if (shards.get(k).isEmpty()) {
                int donor = 0;
                for (int j = 1; j < shards.size(); j++) {
                    if (shards.get(j).size() > shards.get(donor).size()) {
                        donor = j;
                    }
                }
                List<Integer> d = shards.get(donor);
                shards.get(k).add(d.remove(d.size() - 1));
            }
        }
    }

    /** A stable index for a label's random stream (its position would shift when other labels appear). */
    private static long labelIndex(String label) {
        return Seeds.derive(0, label);
    }

    private static void requireEnough(int n, int clients) {
        if (clients < 1) {
            throw new IllegalArgumentException("need at least one client, got " + clients);
        }
        if (n < clients) {
            throw new UserError("cannot give each of " + clients + " clients (fedsllm.system.clients) at least one of "
                    + n + " training samples; use fewer clients or more data");
        }
    }
}
