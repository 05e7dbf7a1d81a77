package io.fedsllm.plan;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Within the documented ranges no plan is Infinity or NaN: the weakest link the deployment accepts (just above
 * Deployment.MIN_LINK_SNR_DB) and the strongest corner of every range plan to finite delays; a weaker link is
 * rejected with a message instead.
 */
class LinkBudgetTest {

    private static List<String> weakest(double discRadiusM) {
        // SNR over the whole 20 MHz band at -30 dBm, -100 dBm/Hz noise, no shadowing: -3 dB - PL(d); PL(140 m) = 96 dB.
        return new ArrayList<>(List.of("radio.pmax-dbm=-30", "radio.noise-psd-dbm-per-hz=-100", "radio.shadowing-sigma-db=0",
                "radio.fading=rayleigh", "geometry.main-server-offset-m=0", "geometry.disc-radius-m=" + discRadiusM));
    }

    private static void assertEveryPlanFinite(List<String> sets) {
        PlanningScenario s = PlanningScenario.from(ConfigLoader.withSets(sets.toArray(String[]::new)));
        for (Map.Entry<String, Plan> e : s.proposedAndBaselines(s.problem(0)).entrySet()) {
            double t = e.getValue().totalDelaySeconds();
            assertTrue(Double.isFinite(t) && t > 0, e.getKey() + ": total delay " + t + " for " + sets);
        }
        assertTrue(EnergyRankPlanner.solve(s.energyProblem(0)).rank() >= 0);
    }

    @Test
    void theWeakestAcceptedLinkPlansToFiniteDelays() {
        assertEveryPlanFinite(weakest(140));
        List<String> sharedPower = weakest(140);
        sharedPower.add("radio.main.pth-dbm=-23"); // = 5 x p_max: the sum limit binds nobody more than p_max does
        assertEveryPlanFinite(sharedPower);
    }

    @Test
    void theStrongestCornerOfEveryRangePlansToFiniteDelays() {
        assertEveryPlanFinite(List.of("radio.pmax-dbm=60", "radio.path-loss-intercept-db=0", "radio.path-loss-slope-db-per-decade=1",
                "radio.shadowing-sigma-db=30", "radio.noise-psd-dbm-per-hz=-230", "radio.client-antenna-gain-dbi=60",
                "radio.server-antenna-gain-dbi=60", "geometry.disc-radius-m=2", "geometry.min-distance-m=1",
                "geometry.main-server-offset-m=0", "radio.main.bandwidth-hz=1e12", "radio.fed.bandwidth-hz=1e12",
                "compute.client-frequency-min-hz=1e12", "compute.client-frequency-max-hz=1e12", "compute.client-flops-per-cycle=1e9",
                "compute.server-frequency-hz=1e12", "compute.server-flops-per-cycle=1e9", "radio.main.pth-dbm=120",
                "radio.fed.pth-dbm=120", "radio.fading=rayleigh"));
    }

    @Test
    void aWeakerLinkIsRejectedNamingTheKeysInsteadOfPlanningInfinity() {
        PlanningScenario s = PlanningScenario.from(ConfigLoader.withSets(weakest(300).toArray(String[]::new)));
        UserError e = assertThrows(UserError.class, () -> s.problem(0));
        assertTrue(e.getMessage().contains("radio link budget is too weak") && e.getMessage().contains("below -100 dB")
                && e.getMessage().contains("fedsllm.radio.pmax-dbm"), e.getMessage());
    }
}
