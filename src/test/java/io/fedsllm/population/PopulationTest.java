package io.fedsllm.population;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.net.Deployment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PopulationTest {

    static Population population(String... sets) {
        Config c = ConfigLoader.withSets(sets);
        return Population.from(c, Deployment.from(c));
    }

    private static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    @Test
    void byDefaultThePopulationIsTheClientsAndEveryOneIsSelectedEveryRound() {
        for (String mode : new String[] {"random", "best-channel", "round-robin"}) {
            Population p = population("system.clients=7", "radio.fed.subchannels=80", "population.selection=" + mode);
            assertEquals(7, p.devices());
            for (int round = 0; round < 5; round++) {
                assertArrayEquals(range(7), p.select(round, 100.0 * round), mode + " round " + round);
            }
        }
    }

    @Test
    void fewerDevicesThanClientsIsRejectedNamingTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> population("system.clients=5", "population.devices=4"));
        assertTrue(e.getMessage().contains("fedsllm.population.devices") && e.getMessage().contains(">= system.clients = 5"),
                e.getMessage());
    }

    @Test
    void randomSelectionIsSeededPerRoundUniformAndRespectsEligibility() {
        Population p = population("population.devices=20");
        int[] r0 = p.select(0, 0);
        assertArrayEquals(r0, population("population.devices=20").select(0, 0), "same seed, same round: same clients");
        assertEquals(5, r0.length);
        assertEquals(5, Arrays.stream(r0).distinct().count());
        assertTrue(Arrays.stream(r0).allMatch(d -> d >= 0 && d < 20));
        assertNotEquals(Arrays.toString(r0), Arrays.toString(p.select(1, 0)), "rounds draw apart");
        assertNotEquals(Arrays.toString(r0), Arrays.toString(population("population.devices=20", "seed=2").select(0, 0)));
        int[] hits = new int[20];
        int rounds = 4000;
        for (int round = 0; round < rounds; round++) {
            for (int d : p.select(round, 0)) {
                hits[d]++;
            }
        }
        // Each device is in a round with probability 5/20: expected 1000, binomial sd 27; ±150 never flakes.
        for (int d = 0; d < 20; d++) {
            assertEquals(1000, hits[d], 150, "selections of device " + d);
        }
        // Only eligible devices; all of them when fewer than K are.
        assertArrayEquals(new int[] {3, 11, 17}, p.select(9, 0, 5, d -> d == 3 || d == 11 || d == 17));
        assertTrue(Arrays.stream(p.select(9, 0, 5, d -> d % 2 == 0)).allMatch(d -> d % 2 == 0));
        assertEquals(7, p.select(2, 0, 7, d -> true).length, "over-selection asks for K + x");
    }

    @Test
    void bestChannelTakesTheLargestMainLinkGainsOfTheRound() {
        Population p = population("population.devices=50", "population.selection=best-channel");
        Deployment d = Deployment.from(ConfigLoader.withSets("population.devices=50"));
        for (int round = 0; round < 3; round++) {
            int r = round;
            List<Integer> ids = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                ids.add(k);
            }
            ids.sort(Comparator.comparingDouble((Integer k) -> -d.gainMainDb(k, r)).thenComparing(k -> k));
            int[] expected = ids.subList(0, 5).stream().mapToInt(Integer::intValue).sorted().toArray();
            assertArrayEquals(expected, p.select(round, 0), "round " + round);
        }
        // Per-round shadowing moves the ranking: not the same five in every round.
        assertFalse(Arrays.equals(p.select(0, 0), p.select(1, 0)) && Arrays.equals(p.select(1, 0), p.select(2, 0)));
    }

    @Test
    void roundRobinStartsAtRoundTimesKAndSkipsTheUnavailable() {
        Population p = population("population.devices=12", "population.selection=round-robin");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, p.select(0, 0));
        assertArrayEquals(new int[] {5, 6, 7, 8, 9}, p.select(1, 0));
        assertArrayEquals(new int[] {0, 1, 2, 10, 11}, p.select(2, 0)); // 10, 11, then wraps to 0, 1, 2
        assertArrayEquals(new int[] {0, 1, 5, 7, 9}, p.select(1, 0, 5, d -> d != 6 && d != 8 && d < 10 || d < 2));
    }

    @Test
    void onOffAvailabilityIsStationaryPersistentAndDeterministic() {
        Availability on = new Availability.OnOff(1, 1800, 600);
        int n = 20_000;
        for (double t : new double[] {0, 5_000, 50_000}) {
            int up = 0;
            for (int d = 0; d < n; d++) {
                up += on.available(d, t) ? 1 : 0;
            }
            // Stationary fraction 1800 / 2400 = 0.75; sd = sqrt(0.75 * 0.25 / 20000) = 0.003.
            assertEquals(0.75, up / (double) n, 0.02, "fraction available at " + t + " s");
        }
        int same = 0;
        int sameFar = 0;
        for (int d = 0; d < n; d++) {
            same += on.available(d, 1000) == on.available(d, 1001) ? 1 : 0;
            sameFar += on.available(d, 1000) == on.available(d, 101_000) ? 1 : 0;
        }
        // A switch within 1 s has probability about 1/1800 to 1/600: periods persist; 100,000 s apart the states
        // are independent: agreement 0.75² + 0.25² = 0.625.
        assertTrue(same > 0.995 * n, "agreement 1 s apart: " + same);
        assertEquals(0.625, sameFar / (double) n, 0.02);
        assertEquals(on.available(123, 4567.8), new Availability.OnOff(1, 1800, 600).available(123, 4567.8));
        Population p = population("population.devices=400", "population.availability=on-off");
        for (int d : p.select(3, 2000)) {
            assertTrue(p.available(d, 2000), "selected device " + d + " is unavailable");
        }
    }

    @Test
    void devicesThatAreNotSelectedCostNothing() {
        // Two billion devices: a byte each would not fit the test heap. Selection, availability and any device's
        // values still work, because everything is computed from the device's streams on demand.
        Population p = population("population.devices=2000000000", "population.availability=on-off");
        int[] chosen = p.select(7, 3600);
        assertEquals(5, chosen.length);
        for (int d : chosen) {
            assertTrue(p.available(d, 3600));
        }
        Population rr = population("population.devices=2000000000", "population.selection=round-robin");
        assertArrayEquals(new int[] {35, 36, 37, 38, 39}, rr.select(7, 0));
        assertEquals(5, rr.clients());
    }
}
