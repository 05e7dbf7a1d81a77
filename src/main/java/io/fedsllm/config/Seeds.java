package io.fedsllm.config;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * Derives independent, reproducible random streams from (experiment seed, entity, indices), so results never
 * depend on the order in which entities ask for randomness (ARCHITECTURE "Determinism"). Example:
 * {@code Seeds.random(seed, "shadowing-main", client, round)}.
 */
public final class Seeds {
    /** SplittableRandom's default gamma (the odd integer closest to 2^64 / φ). */
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {}

    /** A 64-bit seed for the stream named by {@code entity} and {@code indices}. */
    public static long derive(long seed, String entity, long... indices) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (byte b : entity.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        for (long i : indices) {
            h = mix(h ^ mix(i + 0x632BE59BD9B4E019L));
        }
        return h;
    }

    /** A fast generator for the stream (java.util). */
    public static SplittableRandom random(long seed, String entity, long... indices) {
        return new SplittableRandom(derive(seed, entity, indices));
    }

    /**
     * The {@code n}-th (0-based) {@code nextDouble()} of {@code new SplittableRandom(streamSeed)}, without drawing
     * the n values before it: SplittableRandom's state after n draws is {@code streamSeed + n·γ} (γ its golden
     * gamma) and each value is the SplitMix64 finaliser of the next state, top 53 bits scaled to [0, 1). So a
     * long per-client stream (e.g. one Rayleigh gain per subchannel) can be read at any index in O(1).
     * {@code SeedsTest} pins the equality with {@link SplittableRandom} bit for bit.
     */
    public static double uniformAt(long streamSeed, long n) {
        return (mix(streamSeed + (n + 1) * GOLDEN_GAMMA) >>> 11) * 0x1.0p-53;
    }

    /** A Commons Math generator for the stream (for its distributions). */
    public static RandomGenerator commons(long seed, String entity, long... indices) {
        return new Well19937c(wellSeed(derive(seed, entity, indices)));
    }

    /** One generator per thread, re-seeded for each {@link #firstGaussian} (building a Well19937c dominates a draw). */
    private static final ThreadLocal<Well19937c> WELL = ThreadLocal.withInitial(() -> new Well19937c(new int[2]));

    /**
     * {@code commons(seed, entity, indices).nextGaussian()}, bit for bit, about eight times faster: re-seeding a
     * Well19937c resets all of its state (as its constructor does), so one generator per thread serves every stream.
     * For streams drawn once per (entity, indices), such as a device's shadowing in a round.
     */
    public static double firstGaussian(long seed, String entity, long... indices) {
        Well19937c w = WELL.get();
        w.setSeed(wellSeed(derive(seed, entity, indices)));
        return w.nextGaussian();
    }

    private static int[] wellSeed(long s) {
        return new int[] {(int) s, (int) (s >>> 32)};
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
