package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.net.Deployment;
import io.fedsllm.net.LinkState;
import org.junit.jupiter.api.Test;

/**
 * The centralized scheme's upload of the raw shards: the formula on hand-checked links, and where the planner puts it
 * (round 0 of the centralized scheme only).
 */
class DataUploadTest {
    // Two clients, one 1 MHz subchannel each (round robin: client 0 owns subchannel 0, client 1 subchannel 1), the
    // same gain a = 3e7 per W/Hz: at p_max = 0.1 W the PSD is 1e-7 W/Hz, SNR 3, rate 1e6 log2(4) = 2 Mbit/s.
    private static final double HZ = 1e6;
    private static final double A = 3e7;

    private static LinkState link(double pthW) {
        return LinkState.of(new double[] {HZ, HZ}, new double[][] {{A, A}, {A, A}}, new double[] {0.1, 0.1}, pthW);
    }

    @Test
    void theLastShardSetsTheTimeAndTheOtherClientLowersItsPower() {
        // 1,000 and 3,000 bytes: client 1 at p_max needs 24,000 bit / 2 Mbit/s = 12 ms; client 0 then needs only
        // 8,000 bit / 12 ms = 666,667 bit/s, i.e. SNR 2^(2/3) - 1 = 0.587, 0.0196 W; 0.1196 W in all <= p_th = 1 W.
        DataUpload u = DataUpload.plan(link(1.0), new long[] {1000, 3000}, 1e-12);
        assertEquals(0.012, u.durationS(), 1e-15);
        assertEquals(2e6, u.rateBps()[1], 1e-6);
        assertEquals(8000 / 0.012, u.rateBps()[0], 1e-6);
        assertArrayEquals(new double[] {0.012, 0.012}, u.seconds(), 1e-15, "exact power: both finish at T");
        assertEquals(4000, u.totalBytes());
    }

    @Test
    void aBindingSumPowerLimitIsSharedAsTheFormulaSays() {
        // p_th = 0.1 W for both: T solves B/a (2^(D0/(B T)) - 1) + B/a (2^(D1/(B T)) - 1) = p_th, i.e. with
        // u = 2^(8,000/(1e6 T)): u + u^3 = 5 (the SNRs add up to p_th a / B = 3). Solved here by bisection on u.
        double lo = 1;
        double hi = 2;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (mid + mid * mid * mid > 5) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        double t = 8000 / (HZ * Math.log(lo) / Math.log(2));
        DataUpload u = DataUpload.plan(link(0.1), new long[] {1000, 3000}, 1e-12);
        assertEquals(t, u.durationS(), 1e-9 * t);
        assertTrue(u.durationS() > 0.012, "slower than with a slack limit: " + u.durationS());
    }

    @Test
    void anEmptyShardSendsNothing() {
        DataUpload u = DataUpload.plan(link(1.0), new long[] {0, 3000}, 1e-12);
        assertEquals(0.012, u.durationS(), 1e-15);
        assertEquals(0, u.rateBps()[0]);
        assertEquals(0, u.seconds()[0]);
        assertEquals(0, DataUpload.plan(link(1.0), new long[] {0, 0}, 1e-12).durationS());
    }

    @Test
    void theCentralizedPlannerChargesTheUploadInRoundZeroOnly() {
        Config c = ConfigLoader.withSets("emu.mode=analytic", "emu.scheme=centralized");
        Deployment d = Deployment.from(c);
        long[] tokens = {1000, 2000, 3000, 4000, 5000};
        RoundPlanner planner = RoundPlanner.create(c, d, tokens);
        RoundPlan first = planner.plan(0, new int[0]);
        RoundPlan second = planner.plan(1, new int[0]);
        // 2 bytes per token (emu.centralized-upload.bytes-per-token), the main link of the round-0 channel.
        DataUpload expected = DataUpload.plan(d.channel(0).main(), new long[] {2000, 4000, 6000, 8000, 10000}, 1e-9);
        assertEquals(expected, first.dataUpload());
        assertEquals(30000, first.dataUpload().totalBytes());
        assertTrue(first.dataUpload().durationS() > 0);
        assertSame(DataUpload.NONE, second.dataUpload());
        assertEquals(first.plannedRoundS(), second.plannedRoundS(), 0, "T_round leaves the upload out");
        assertEquals(2 * expected.durationS(), RoundPlanner.create(c, d, new long[] {2000, 4000, 6000, 8000, 10000})
                .plan(0, new int[0]).dataUpload().durationS(), 1e-6 * expected.durationS(),
                "twice the tokens, twice the time (the rates stay at p_max)");
        assertEquals(DataUpload.NONE, RoundPlanner.create(ConfigLoader.withSets("emu.mode=analytic"), d)
                .plan(0, new int[] {0, 1, 2, 3, 4}).dataUpload(), "sfl uploads no data");
        assertThrows(IllegalArgumentException.class, () -> RoundPlanner.create(c, d));
        assertThrows(IllegalArgumentException.class, () -> RoundPlanner.create(c, d, new long[] {1, 2}));
    }
}
