package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
}
