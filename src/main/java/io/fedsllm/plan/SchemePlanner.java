package io.fedsllm.plan;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataUploadSettings;
import io.fedsllm.config.DelaySettings;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.PlannerSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.cost.CostModels;
import io.fedsllm.cost.DelayModel;
import io.fedsllm.cost.LayerCosts;
import io.fedsllm.cost.SplitCosts;
import io.fedsllm.net.Deployment;
import io.fedsllm.net.LinkState;
import io.fedsllm.net.RoundChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The four schemes' round planners: split-federated ({@link BcdPlanner} or {@link EqualPlanner}), split learning
 * (each client planned alone on the whole band), federated LoRA (fed link only, at {@code lora.rank}) and
 * centralized (no links). Every scheme is planned on the same channel realisation and the same delay model.
 */
final class SchemePlanner implements RoundPlanner {
    private final EmuSettings emu;
    private final Deployment deployment;
    private final SplitCosts costs;
    private final LayerCosts table;
    private final SystemSettings system;
    private final PlannerSettings planner;
    private final DelaySettings delay;
    private final LoraSettings lora;
    private final Planner splitFederated;
    private final EqualPlanner equal;
    private final DataUpload centralizing;    // centralized: the shards' upload before round 0; else null

    SchemePlanner(Config config, Deployment deployment, long[] shardTokens) {
        ConfigReader root = ConfigReader.root(config);
        this.emu = EmuSettings.from(root);
        this.deployment = deployment;
        this.costs = CostModels.from(config);
        this.table = CostModels.table(config);
        this.system = SystemSettings.from(root);
        this.planner = PlannerSettings.from(root);
        this.delay = DelaySettings.from(root);
        this.lora = LoraSettings.from(root);
        this.equal = new EqualPlanner(planner.bisectionTolerance());
        this.splitFederated = emu.planner() == EmuSettings.PlannerChoice.BCD ? BcdPlanner.from(planner) : equal;
        this.centralizing = emu.scheme() == Scheme.CENTRALIZED
                ? centralizing(deployment, shardTokens, DataUploadSettings.from(root).bytesPerToken()) : null;
    }

    /**
     * Centralizing the data: the K shards of {@code shardTokens[k]} tokens at {@code bytesPerToken} bytes each, uploaded
     * over the main link of the round-0 channel ({@link DataUpload#plan}).
     */
    private DataUpload centralizing(Deployment deployment, long[] shardTokens, int bytesPerToken) {
        if (shardTokens == null || shardTokens.length != deployment.clients()) {
            throw new IllegalArgumentException("the centralized scheme uploads " + deployment.clients() + " shards: "
                    + "expected their token counts, got " + (shardTokens == null ? "none" : shardTokens.length));
        }
        long[] bytes = new long[shardTokens.length];
        for (int k = 0; k < bytes.length; k++) {
            bytes[k] = Math.multiplyExact(shardTokens[k], (long) bytesPerToken);
        }
        return DataUpload.plan(deployment.channel(0).main(), bytes, planner.bisectionTolerance());
    }

    @Override
    public int layers() {
        return costs.layers();
    }

    @Override
    public RoundPlan plan(int round, int[] participants) {
        if (emu.scheme() == Scheme.CENTRALIZED) {
            return centralized(round);
        }
        return plan(round, deployment.channel(round, participants), participants);
    }

    @Override
    public RoundPlan plan(int round, int[] participants, double[] extraLossMainDb, double[] extraLossFedDb) {
        if (extraLossMainDb.length != participants.length || extraLossFedDb.length != participants.length) {
            throw new IllegalArgumentException(participants.length + " participants but " + extraLossMainDb.length
                    + " main and " + extraLossFedDb.length + " fed losses");
        }
        if (emu.scheme() == Scheme.CENTRALIZED) {
            return centralized(round);
        }
        return plan(round, deployment.channel(round, participants).withExtraLoss(extraLossMainDb, extraLossFedDb),
                participants);
    }

    /** A split, sequential or federated plan on the given channel (rows aligned with {@code participants}). */
    private RoundPlan plan(int round, RoundChannel channel, int[] participants) {
        List<ComputeProfile> compute = new ArrayList<>(participants.length);
        for (int k : participants) {
            compute.add(deployment.clientCompute(k));
        }
        return switch (emu.scheme()) {
            case SFL -> {
                PlanningProblem p = problem(channel, compute);
                yield roundPlan(round, Scheme.SFL, participants, channel, p.delayModel(), splitFederated.plan(p));
            }
            case SL -> sequential(round, participants, channel, compute);
            case FL -> federated(round, participants, channel, compute);
            case CENTRALIZED -> throw new AssertionError("handled above");
        };
    }

    private PlanningProblem problem(RoundChannel channel, List<ComputeProfile> compute) {
        return new PlanningProblem(costs, compute, deployment.server(), channel, system.localIterations(),
                planner.ranks(), RoundsModel.from(planner), delay);
    }

    /** Vanilla split learning: one client at a time, so each is planned alone on the whole band. */
    private RoundPlan sequential(int round, int[] participants, RoundChannel channel, List<ComputeProfile> compute) {
        int k = participants.length;
        Plan best = null;
        for (int s = 1; s < costs.layers(); s++) {
            for (int r : planner.ranks()) {
                List<Plan.ClientPlan> clients = new ArrayList<>(k);
                List<DelayModel.ClientDelays> delays = new ArrayList<>(k);
                DelayModel single = null;
                for (int i = 0; i < k; i++) {
                    PlanningProblem alone = problem(channel.rows(i), List.of(compute.get(i)));
                    single = alone.delayModel();
                    Plan.ClientPlan c = equal.plan(alone, List.of(s), List.of(r)).clients().get(0);
                    clients.add(c);
                    delays.add(c.delays());
                }
                DelayModel.Breakdown b = DelayModel.sequential(delays, single.serverForwardS(s, r),
                        single.serverBackwardS(s, r), system.localIterations(), RoundsModel.from(planner).rounds(r));
                if (best == null || b.totalS() < best.breakdown().totalS()) {
                    best = new Plan("sl", s, r, clients, b, 0, List.of(), List.of());
                }
            }
        }
        return roundPlan(round, Scheme.SL, participants, channel, problem(channel, compute).delayModel(), best);
    }

    /** Federated LoRA: the whole model on every client, the whole LoRA uploaded; main link unused. */
    private RoundPlan federated(int round, int[] participants, RoundChannel channel, List<ComputeProfile> compute) {
        int l = costs.layers();
        int rank = lora.rank();
        long loraBits = Math.round(wholeLoraBits(rank));
        LinkState fed = channel.fed();
        int k = participants.length;
        WaterFilling[] wf = EqualPlanner.roundRobin(fed, k);
        PowerControl.LinkSolution sol = PowerControl.solve(wf, new double[k], loraBits, fed.pmaxW(), fed.pthW(),
                planner.bisectionTolerance());
        double[] fedRates = new double[k];
        LinkAllocation[] fedShare = new LinkAllocation[k];
        for (int i = 0; i < k; i++) {
            fedShare[i] = LinkAllocation.of(fed, i, wf[i].index(), EqualPlanner.psdOf(wf[i], sol.waterLevel()[i]));
            fedRates[i] = fedShare[i].rateBps();
        }
        DelayModel.Evaluation e = problem(channel, compute).delayModel().evaluateFederated(rank, loraBits, fedRates,
                RoundsModel.from(planner).rounds(rank));
        List<RoundPlan.ClientShare> shares = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            DelayModel.ClientDelays d = e.clients().get(i);
            shares.add(new RoundPlan.ClientShare(participants[i], d.forwardS(), d.backwardS(), 0, fedRates[i], 0,
                    wf[i].index().length, LinkAllocation.NONE, fedShare[i]));
        }
        return new RoundPlan(round, Scheme.FL, l, rank, system.localIterations(), participants, shares, 0, 0,
                loraBits, 0, e.breakdown().roundS(), 0, l, DataUpload.NONE);
    }

    /**
     * One server with all the data: K mini-batches per iteration through the whole model, no links during training;
     * round 0 first waits for the upload of the shards.
     */
    private RoundPlan centralized(int round) {
        int rank = lora.rank();
        List<ComputeProfile> everyClient = new ArrayList<>(deployment.clients());
        for (int k = 0; k < deployment.clients(); k++) {
            everyClient.add(deployment.clientCompute(k));
        }
        DelayModel model = new DelayModel(costs, everyClient, deployment.server(), system.localIterations(), delay);
        DelayModel.Breakdown b = model.evaluateCentralized(rank, RoundsModel.from(planner).rounds(rank));
        return new RoundPlan(round, Scheme.CENTRALIZED, 0, rank, system.localIterations(), new int[0], List.of(),
                model.wholeModelServerForwardPerBatchS(rank), 0, 0, 0, b.roundS(), 0, costs.layers(),
                round == 0 ? centralizing : DataUpload.NONE);
    }

    /** LoRA bits of every block, r Σ_j δ_j: the client part at ℓ = L−1 plus the server part (block L). */
    private double wholeLoraBits(int rank) {
        int l = table.layers();
        return table.clientLoraBits(l - 1, rank) + table.serverLoraBits(l - 1, rank);
    }

    /** The emulator's round from a split plan: rates recomputed from each client's subchannels, PSDs and gains. */
    private RoundPlan roundPlan(int round, Scheme scheme, int[] participants, RoundChannel channel, DelayModel model,
            Plan plan) {
        int k = participants.length;
        int s = plan.splitLayer();
        int r = plan.rank();
        List<RoundPlan.ClientShare> shares = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            Plan.ClientPlan c = plan.clients().get(i);
            LinkAllocation main = LinkAllocation.of(channel.main(), i, c.subchannelsMain(), c.psdMain());
            LinkAllocation fed = LinkAllocation.of(channel.fed(), i, c.subchannelsFed(), c.psdFed());
            shares.add(new RoundPlan.ClientShare(participants[i], model.clientForwardS(i, s, r),
                    model.clientBackwardS(i, s, r), main.rateBps(), fed.rateBps(), c.subchannelsMain().length,
                    c.subchannelsFed().length, main, fed));
        }
        return new RoundPlan(round, scheme, s, r, system.localIterations(), participants, shares,
                model.serverForwardPerClientS(s, r), Math.round(model.activationBits(s)), Math.round(model.loraBits(s, r)),
                model.gradientDownloadS(s), plan.breakdown().roundS(), plan.breakdown().t1(), costs.layers(),
                DataUpload.NONE);
    }
}
