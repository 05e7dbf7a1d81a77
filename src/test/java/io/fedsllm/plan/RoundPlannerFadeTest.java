package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.net.Deployment;
import io.fedsllm.net.RoundChannel;
import org.junit.jupiter.api.Test;

/** A scenario's fades reach the planner through the channel: it adapts to them, and no fade changes nothing. */
class RoundPlannerFadeTest {
    private static final Config CONFIG = ConfigLoader.withSets("emu.mode=analytic", "population.devices=12",
            "radio.shadowing-sigma-db=0");

    @Test
    void theBcdPlannerGivesAFadedClientMoreOfTheMainLink() {
        Deployment d = Deployment.from(CONFIG);
        RoundPlanner planner = RoundPlanner.create(CONFIG, d);
        int[] who = {1, 4, 6, 9, 11};
        RoundPlan clear = planner.plan(2, who);
        RoundPlan none = planner.plan(2, who, new double[5], new double[5]);
        assertEquals(clear.shares(), none.shares(), "0 dB everywhere is the plain plan");
        assertEquals(clear.plannedRoundS(), none.plannedRoundS(), 0);
        RoundPlan faded = planner.plan(2, who, new double[] {0, 0, 15, 0, 0}, new double[5]);
        RoundPlan.ClientShare before = clear.shares().get(2);
        RoundPlan.ClientShare after = faded.shares().get(2);
        assertEquals(6, after.client());
        assertTrue(after.subchannelsMain() > before.subchannelsMain(),
                "the faded client gets more main subchannels: " + before.subchannelsMain() + " -> " + after.subchannelsMain());
        assertTrue(after.rateMainBps() < before.rateMainBps(), "and still a lower rate");
        assertTrue(faded.plannedRoundS() > clear.plannedRoundS(), "the round takes longer");
        assertEquals(clear.shares().get(2).rateFedBps(), faded.shares().get(2).rateFedBps(), 0, "fed link untouched");
    }

    @Test
    void aFadeLowersTheGainsAndTheReportedGainByItsDecibels() {
        RoundChannel ch = Deployment.from(CONFIG).channel(0, new int[] {3, 7});
        RoundChannel faded = ch.withExtraLoss(new double[] {10, 0}, new double[] {0, 3});
        assertEquals(0.1, faded.main().snrPerPsd(0, 5) / ch.main().snrPerPsd(0, 5), 1e-12);
        assertEquals(ch.main().snrPerPsd(1, 5), faded.main().snrPerPsd(1, 5), 0, "no loss: the exact value");
        assertEquals(ch.clients().get(0).gainMainDb() - 10, faded.clients().get(0).gainMainDb(), 1e-12);
        assertEquals(ch.clients().get(1).gainFedDb() - 3, faded.clients().get(1).gainFedDb(), 1e-12);
        assertEquals(ch.main().pthW(), faded.main().pthW(), 0);
    }

    @Test
    void aFadeThatStartsMidRoundLowersTheRateWithThePlannedPowers() {
        Config rayleigh = ConfigLoader.withSets("emu.mode=analytic", "radio.fading=rayleigh");
        for (String scheme : new String[] {"sfl", "fl", "sl"}) {
            Config c = ConfigLoader.withSets("emu.mode=analytic", "radio.fading=rayleigh", "emu.planner=equal",
                    "emu.scheme=" + scheme);
            RoundPlan plan = RoundPlanner.create(c, Deployment.from(rayleigh)).plan(1, new int[] {0, 1, 2, 3, 4});
            for (RoundPlan.ClientShare share : plan.shares()) {
                // At 0 dB the allocation reproduces the planned rates bit for bit.
                assertEquals(share.rateMainBps(), share.main().rateBps(0), 0, scheme);
                assertEquals(share.rateFedBps(), share.fed().rateBps(0), 0, scheme);
                assertEquals(share.subchannelsFed(), share.fed().subchannels());
                double faded = share.fed().rateBps(10);
                assertTrue(faded < share.rateFedBps() && faded > 0, scheme + ": " + faded);
                // A 10 dB fade with the same PSDs: each subchannel's SNR p a falls tenfold.
                double expected = 0;
                for (int i = 0; i < share.fed().subchannels(); i++) {
                    expected += share.fed().subchannelHz()[i]
                            * Math.log(1 + share.fed().psd()[i] * share.fed().snrPerPsd()[i] / 10) / Math.log(2);
                }
                assertEquals(expected, faded, 1e-9 * expected);
            }
            if (scheme.equals("fl")) {
                assertEquals(0, plan.shares().get(0).main().subchannels(), "fl does not use the main link");
            }
        }
    }
}
