package io.fedsllm.population;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.PopulationSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.net.Deployment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * The device population ({@code fedsllm.population}): N devices, of which each round a selection picks K =
 * {@code system.clients} among those available at the round's virtual start and eligible (e.g. not crashed, not
 * left, per the scenario). A device's position, processor and channel are the {@link Deployment}'s, computed from
 * its streams; its availability is a pure function of (device, time). Nothing is stored per device: memory is
 * O(K) per selection (plus the rows of an availability trace), and with N = K and availability {@code always}
 * every device is selected every round (the behaviour before populations existed).
 *
 * <p>Selections are deterministic functions of (seed, round, time, eligibility), drawn from the stream (seed,
 * "selection", round):
 * <ul>
 *   <li>{@code random}: a uniformly random order of the N ids (a Fisher–Yates shuffle done lazily, O(draws) memory)
 *       is walked until {@code count} devices are available and eligible: a uniform sample without replacement of
 *       those; O(count / fraction available) work.</li>
 *   <li>{@code best-channel}: the {@code count} available, eligible devices with the largest main-link large-scale
 *       gain −(PL + X) of the round (ties: lower id); evaluates every device, O(N log count).</li>
 *   <li>{@code round-robin}: from device (round · K) mod N on, the next available, eligible ids in cyclic order.</li>
 * </ul>
 */
public final class Population {
    private final long seed;
    private final int clients;
    private final PopulationSettings settings;
    private final Availability availability;
    private final Deployment deployment;

    public Population(long seed, int clients, PopulationSettings settings, Availability availability,
            Deployment deployment) {
        if (deployment.devices() != settings.devices()) {
            throw new IllegalArgumentException("deployment has " + deployment.devices() + " devices, population "
                    + settings.devices());
        }
        this.seed = seed;
        this.clients = clients;
        this.settings = settings;
        this.availability = availability;
        this.deployment = deployment;
    }

    /** The population the configuration describes over {@code deployment} (an availability trace is read now). */
    public static Population from(Config config, Deployment deployment) {
        ConfigReader root = ConfigReader.root(config);
        PopulationSettings s = PopulationSettings.from(root);
        long seed = root.getLong("seed");
        return new Population(seed, deployment.clients(), s, Availability.from(s, seed), deployment);
    }

    /** N. */
    public int devices() {
        return settings.devices();
    }

    /** K, the clients selected per round. */
    public int clients() {
        return clients;
    }

    public PopulationSettings settings() {
        return settings;
    }

    public boolean available(int device, double timeS) {
        return availability.available(device, timeS);
    }

    /** The K clients of {@code round}, which starts at virtual time {@code startS}; every device eligible. */
    public int[] select(int round, double startS) {
        return select(round, startS, clients, d -> true);
    }

    /**
     * Up to {@code count} devices, available at {@code startS} and {@code eligible}, for {@code round}: fewer only
     * when fewer qualify. Ascending ids.
     *
     * @param count K, or K + x for an over-selecting straggler policy
     */
    public int[] select(int round, double startS, int count, IntPredicate eligible) {
        if (round < 0 || count < 1) {
            throw new IllegalArgumentException("round " + round + ", count " + count + ": expected round >= 0, count >= 1");
        }
        IntPredicate ok = d -> eligible.test(d) && availability.available(d, startS);
        int[] chosen = switch (settings.selection()) {
            case RANDOM -> random(round, count, ok);
            case BEST_CHANNEL -> bestChannel(round, count, ok);
            case ROUND_ROBIN -> roundRobin(round, count, ok);
        };
        Arrays.sort(chosen);
        return chosen;
    }

    private int[] random(int round, int count, IntPredicate ok) {
        int n = devices();
        SplittableRandom rnd = Seeds.random(seed, "selection", round);
        Map<Integer, Integer> moved = new HashMap<>(); // position -> id, where the lazy shuffle has moved an id
        int[] out = new int[Math.min(count, n)];
        int found = 0;
        for (int i = 0; i < n && found < out.length; i++) {
            int j = i + rnd.nextInt(n - i);
            int at = moved.getOrDefault(j, j);
            moved.put(j, moved.getOrDefault(i, i));
            moved.remove(i);
            if (ok.test(at)) {
                out[found++] = at;
            }
        }
        return Arrays.copyOf(out, found);
    }

    private int[] bestChannel(int round, int count, IntPredicate ok) {
        record Gain(int device, double db) {}
        // The weakest kept device on top: lower gain, then higher id (ties go to the lower id).
        PriorityQueue<Gain> kept = new PriorityQueue<>((a, b) -> {
            int c = Double.compare(a.db(), b.db());
            return c != 0 ? c : Integer.compare(b.device(), a.device());
        });
        for (int d = 0; d < devices(); d++) {
            if (!ok.test(d)) {
                continue;
            }
            Gain g = new Gain(d, deployment.gainMainDb(d, round));
            if (kept.size() < count) {
                kept.add(g);
            } else if (kept.comparator().compare(g, kept.peek()) > 0) {
                kept.poll();
                kept.add(g);
            }
        }
        return kept.stream().mapToInt(Gain::device).toArray();
    }

    private int[] roundRobin(int round, int count, IntPredicate ok) {
        int n = devices();
        int start = (int) ((long) round * clients % n);
        int[] out = new int[Math.min(count, n)];
        int found = 0;
        for (int i = 0; i < n && found < out.length; i++) {
            int d = (int) (((long) start + i) % n);
            if (ok.test(d)) {
                out[found++] = d;
            }
        }
        return Arrays.copyOf(out, found);
    }
}
