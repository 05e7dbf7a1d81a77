package io.fedsllm.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The channel state holds what the channel model needs: O(K + M) values, never K × M (issue 12). */
class LinkStateTest {

    private static Deployment deployment(int clients, String... extra) {
        String[] sets = new String[extra.length + 3];
        sets[0] = "system.clients=" + clients;
        sets[1] = "radio.main.subchannels=" + clients;
        sets[2] = "radio.fed.subchannels=" + clients;
        System.arraycopy(extra, 0, sets, 3, extra.length);
        return Deployment.from(ConfigLoader.withSets(sets));
    }

    @Test
    void thirtyThousandClientsOnThirtyThousandSubchannelsHoldOrderKPlusMValues() {
        int k = 30_000;
        RoundChannel flat = deployment(k).channel(0);
        // M widths + K power limits + K gains = 3 × 30,000 per link; a K × M matrix would be 9e8 doubles (7.2 GB).
        assertEquals(3L * k, flat.main().storedValues());
        assertEquals(3L * k, flat.fed().storedValues());
        RoundChannel rayleigh = deployment(k, "radio.fading=rayleigh").channel(0);
        // Rayleigh: one large-scale gain and one stream seed per client instead of M gains.
        assertEquals(4L * k, rayleigh.main().storedValues());
        assertTrue(flat.main().flat(k - 1));
        assertFalse(rayleigh.main().flat(k - 1));
        // Reading one gain of the last client at the last subchannel costs O(1), and is a gain, not a placeholder.
        double a = rayleigh.main().snrPerPsd(k - 1, k - 1);
        assertTrue(a > 0 && Double.isFinite(a));
    }

    @Test
    void rayleighGainsAreTheSequentialDrawsOfEachClientsStream() {
        // The definition the channel model was written with: g_k^i = −ln(1 − u), u the i-th nextDouble of the
        // stream (seed, "fading-main", k, round), subchannels in order. Reading at random gives those exact bits.
        Deployment d = deployment(4, "radio.fading=rayleigh", "seed=3", "radio.main.subchannels=64");
        RoundChannel ch = d.channel(2);
        RoundChannel flat = deployment(4, "seed=3", "radio.main.subchannels=64").channel(2);
        for (int k = 0; k < 4; k++) {
            SplittableRandom r = Seeds.random(3, "fading-main", k, 2);
            double base = flat.main().snrPerPsd(k, 0);
            for (int i = 0; i < 64; i++) {
                double g = -Math.log1p(-r.nextDouble());
                assertEquals(base * g, ch.main().snrPerPsd(k, i), 0, "client " + k + " subchannel " + i);
            }
        }
        // Asked in reverse order: the same values (no hidden stream position).
        double[] row = ch.main().snrRow(3);
        for (int i = 63; i >= 0; i--) {
            assertEquals(row[i], ch.main().snrPerPsd(3, i), 0);
        }
    }

    @Test
    void rowsOfALinkAreThoseClientsWithTheSamePowerLimits() {
        RoundChannel ch = deployment(6, "radio.fading=rayleigh", "radio.main.pth-dbm=25").channel(1);
        LinkState sub = ch.main().rows(4, 1);
        assertEquals(2, sub.clients());
        assertArrayEquals(ch.main().snrRow(4), sub.snrRow(0), 0);
        assertArrayEquals(ch.main().snrRow(1), sub.snrRow(1), 0);
        assertEquals(ch.main().pthW(), sub.pthW(), 0);
        assertEquals(ch.clients().get(4), ch.rows(4, 1).clients().get(0));
    }

    @Test
    void anExplicitMatrixIsFlatOnlyWhereItsRowIsConstant() {
        LinkState m = LinkState.of(new double[] {1, 1, 1}, new double[][] {{2, 2, 2}, {2, 3, 2}}, new double[] {1, 1}, 2);
        assertTrue(m.flat(0));
        assertFalse(m.flat(1));
        assertEquals(3, m.snrPerPsd(1, 1), 0);
        assertEquals(3 + 2 + 6, m.storedValues());
    }
}
