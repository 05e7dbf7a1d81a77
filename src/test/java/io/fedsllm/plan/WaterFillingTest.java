package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.Seeds;
import io.fedsllm.net.Rates;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WaterFillingTest {

    private record Channels(int[] index, double[] hz, double[] a) {}

    private static Channels channels(SplittableRandom r, int n) {
        int[] idx = new int[n];
        double[] hz = new double[n];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            idx[i] = n - 1 - i; // deliberately not sorted by gain
            hz[i] = 1e5 * (0.5 + r.nextDouble());
            a[i] = Math.pow(10, 6 + 4 * r.nextDouble());
        }
        return new Channels(idx, hz, a);
    }

    @Test
    void meetsRateTargetWithMinimumPowerKkt() {
        for (int trial = 0; trial < 200; trial++) {
            SplittableRandom r = Seeds.random(trial, "water-filling-test");
            Channels c = channels(r, 1 + r.nextInt(12));
            WaterFilling wf = new WaterFilling(c.index(), c.hz(), c.a());
            double target = 1e5 * (0.1 + 20 * r.nextDouble());
            double w = wf.levelForRate(target);
            assertEquals(target, wf.rate(w), 1e-9 * target, "rate target met");
            int[] idx = wf.index();
            int active = 0;
            for (int i = 0; i < idx.length; i++) {
                double psd = wf.psd(i, w);
                double a = c.a()[idx[i]];
                if (psd > 0) {
                    active++;
                    // Equal marginal rate per watt on active subchannels: a / (1 + p a) = 1 / w.
                    assertEquals(1 / w, a / (1 + psd * a), 1e-9 / w, "equal marginal on active subchannels");
                } else {
                    // Inactive: even the first watt earns less than the water level pays: a <= 1 / w.
                    assertTrue(a <= 1 / w * (1 + 1e-12), "inactive subchannel below the water level");
                }
            }
            assertTrue(active >= 1);
            double pOpt = wf.power(w);
            assertEquals(w, wf.levelForPower(pOpt), 1e-9 * w, "rate and power inversions agree");
            // Any perturbed PSD vector rescaled to the same rate needs at least as much power.
            for (int t = 0; t < 20; t++) {
                double[] psd = new double[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    psd[i] = Math.max(0, wf.psd(i, w) + (r.nextDouble() - 0.5) * 2e-6 * w);
                }
                double scale = scaleToRate(psd, idx, c, target);
                double p = 0;
                for (int i = 0; i < idx.length; i++) {
                    p += scale * psd[i] * c.hz()[idx[i]];
                }
                assertTrue(p >= pOpt * (1 - 1e-9), "perturbation lowered the power: " + p + " < " + pOpt);
            }
        }
    }

    private static double rate(double[] psd, double scale, int[] idx, Channels c) {
        double rate = 0;
        for (int i = 0; i < idx.length; i++) {
            rate += Rates.subchannelRate(c.hz()[idx[i]], scale * psd[i], c.a()[idx[i]]);
        }
        return rate;
    }

    private static double scaleToRate(double[] psd, int[] idx, Channels c, double target) {
        double lo = 0;
        double hi = 1;
        while (rate(psd, hi, idx, c) < target) {
            hi *= 2;
        }
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (lo + hi);
            if (rate(psd, mid, idx, c) < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    @Test
    void maxRateSpendsExactlyTheBudget() {
        SplittableRandom r = Seeds.random(3, "water-filling-budget");
        Channels c = channels(r, 9);
        WaterFilling wf = new WaterFilling(c.index(), c.hz(), c.a());
        double w = wf.levelForPower(0.1);
        assertEquals(0.1, wf.power(w), 1e-12);
        assertEquals(wf.maxRate(0.1), wf.rate(w));
        assertEquals(0.1, wf.minPower(wf.maxRate(0.1)), 1e-9);
    }
}
