package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeedsTest {
    @Test
    void streamsAreReproducibleAndDistinctPerEntityAndIndex() {
        assertEquals(Seeds.derive(1, "shadowing", 3, 7), Seeds.derive(1, "shadowing", 3, 7));
        assertNotEquals(Seeds.derive(1, "shadowing", 3, 7), Seeds.derive(1, "shadowing", 7, 3));
        assertNotEquals(Seeds.derive(1, "shadowing", 3), Seeds.derive(1, "placement", 3));
        assertNotEquals(Seeds.derive(1, "x"), Seeds.derive(2, "x"));
        assertEquals(Seeds.commons(5, "a", 1).nextDouble(), Seeds.commons(5, "a", 1).nextDouble());
    }

    @Test
    void uniformAtIsTheNthDrawOfSplittableRandomBitForBit() {
        // Rayleigh gains are read at any subchannel index with uniformAt; they must equal the sequential draws the
        // channel model was defined with (SplittableRandom.nextDouble in subchannel order).
        for (long seed : new long[] {0, 1, -7, Seeds.derive(1, "fading-main", 4, 2), Long.MIN_VALUE, Long.MAX_VALUE}) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int n = 0; n < 5000; n++) {
                double expected = r.nextDouble();
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(Seeds.uniformAt(seed, n)),
                        "seed " + seed + " draw " + n);
            }
        }
    }

    @Test
    void firstGaussianIsTheFirstDrawOfAFreshCommonsGeneratorBitForBit() {
        // Deployment draws shadowing with firstGaussian; the channel was defined with commons(...).nextGaussian().
        for (int k = 0; k < 2000; k++) {
            double fresh = Seeds.commons(9, "shadowing-main", k, k % 7).nextGaussian();
            assertEquals(Double.doubleToRawLongBits(fresh),
                    Double.doubleToRawLongBits(Seeds.firstGaussian(9, "shadowing-main", k, k % 7)), "stream " + k);
        }
        // Interleaved with draws of a longer stream in between: no state leaks from one call to the next.
        Seeds.commons(1, "x").nextGaussian();
        assertEquals(Seeds.commons(3, "shadowing-fed", 4, 0).nextGaussian(), Seeds.firstGaussian(3, "shadowing-fed", 4, 0), 0);
    }
}
