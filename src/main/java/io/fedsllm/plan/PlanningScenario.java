package io.fedsllm.plan;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DelaySettings;
import io.fedsllm.config.EnergySettings;
import io.fedsllm.config.PlannerSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.cost.CostModels;
import io.fedsllm.cost.SplitCosts;
import io.fedsllm.net.Deployment;
import io.fedsllm.net.LinkState;
import io.fedsllm.net.Rates;
import io.fedsllm.net.RoundChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario a configuration describes, ready to plan: the deployment (placement, compute, channels per
 * round), the cost model and the planner settings. The commands plan, sweep and bench start here.
 */
public final class PlanningScenario {
    private final long seed;
    private final Deployment deployment;
    private final SplitCosts costs;
    private final SystemSettings system;
    private final PlannerSettings planner;
    private final DelaySettings delay;
    private final EnergySettings energy;

    private PlanningScenario(long seed, Deployment deployment, SplitCosts costs, SystemSettings system,
            PlannerSettings planner, DelaySettings delay, EnergySettings energy) {
        this.seed = seed;
        this.deployment = deployment;
        this.costs = costs;
        this.system = system;
        this.planner = planner;
        this.delay = delay;
        this.energy = energy;
    }

    /** Reads and validates everything the planner needs from a loaded configuration. */
    public static PlanningScenario from(Config config) {
        ConfigReader root = ConfigReader.root(config);
        PlannerSettings planner = PlannerSettings.from(root);
        EnergySettings energy = EnergySettings.from(root);
        SplitCosts costs = CostModels.from(config);
        if (energy.splitLayer() >= costs.layers()) {
            throw root.section("planner").section("energy").invalid("split-layer",
                    "expected < the model's " + costs.layers() + " layers");
        }
        return new PlanningScenario(root.getLong("seed"), Deployment.from(config), costs, SystemSettings.from(root),
                planner, DelaySettings.from(root), energy);
    }

    public long seed() {
        return seed;
    }

    public Deployment deployment() {
        return deployment;
    }

    public PlannerSettings plannerSettings() {
        return planner;
    }

    public List<ComputeProfile> clientCompute() {
        List<ComputeProfile> list = new ArrayList<>();
        for (int k = 0; k < deployment.clients(); k++) {
            list.add(deployment.clientCompute(k));
        }
        return list;
    }

    /** The planning problem of one global round (0-based). */
    public PlanningProblem problem(int round) {
        return PlanningProblem.of(costs, clientCompute(), deployment.server(), deployment.channel(round), system,
                planner, delay);
    }

    public BcdPlanner planner() {
        return BcdPlanner.from(planner);
    }

    /** Seed of the baselines' random draws: the experiment seed plus {@code planner.baselines.seed-offset}. */
    public long baselineSeed() {
        return seed + planner.baselineSeedOffset();
    }

    /** The proposed plan and baselines a–d for one problem, in that order, keyed by scheme name. */
    public Map<String, Plan> proposedAndBaselines(PlanningProblem p) {
        BcdPlanner bcd = planner();
        long s = baselineSeed();
        Map<String, Plan> plans = new LinkedHashMap<>();
        plans.put(BcdPlanner.SCHEME, bcd.plan(p));
        plans.put("a", Baselines.a(s).plan(p));
        plans.put("b", Baselines.b(s).plan(p));
        plans.put("c", Baselines.c(s, bcd).plan(p));
        plans.put("d", Baselines.d(s, bcd).plan(p));
        return plans;
    }

    /**
     * The energy-constrained rank problem (SYSTEM_MODEL §7) of one round: each device uploads on the fed link
     * with an equal round-robin share of the subchannels at uniform PSD and p_max (C5 scaling as baseline a).
     */
    public EnergyRankProblem energyProblem(int round) {
        RoundChannel ch = deployment.channel(round);
        LinkState fed = ch.fed();
        int[][] owned = SubchannelAssignment.roundRobin(fed.clients(), fed.subchannels());
        double[] psd = Baselines.uniformPsd(fed, owned);
        double[] rate = new double[fed.clients()];
        double[] power = new double[fed.clients()];
        for (int k = 0; k < fed.clients(); k++) {
            rate[k] = Rates.rate(fed, k, psd, owned[k]);
            for (int i : owned[k]) {
                power[k] += psd[i] * fed.subchannelHz()[i];
            }
        }
        return EnergyRankProblem.from(costs, energy, system.localIterations(), clientCompute(), rate, power);
    }
}
