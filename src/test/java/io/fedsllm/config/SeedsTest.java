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
}
