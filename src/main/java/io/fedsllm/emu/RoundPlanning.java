package io.fedsllm.emu;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
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
import io.fedsllm.plan.BcdPlanner;
import io.fedsllm.plan.Plan;
import io.fedsllm.plan.PlanningProblem;
import io.fedsllm.plan.PowerControl;
import io.fedsllm.plan.RoundsModel;
import io.fedsllm.plan.SubchannelAssignment;
import io.fedsllm.plan.WaterFilling;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Runs the planner for one global round on the participants still alive and turns its plan into a
 * {@link RoundSetup}: the coordinator's arithmetic, kept out of the actor. Every scheme is planned on the same
 * channel realisation {@link Deployment#channel(int)} and the same delay model.
 */
final class RoundPlanning {
    private final EmuSettings emu;
    private final Deployment deployment;
    private final SplitCosts costs;
    private final LayerCosts table;
    private final SystemSettings system;
    private final PlannerSettings planner;
    private final DelaySettings delay;
    private final LoraSettings lora;
    private final BcdPlanner bcd;

    RoundPlanning(Config config, Deployment deployment) {
        ConfigReader root = ConfigReader.root(config);
        this.emu = EmuSettings.from(root);
        this.deployment = deployment;
        this.costs = CostModels.from(config);
        this.table = CostModels.table(config);
        this.system = SystemSettings.from(root);
        this.planner = PlannerSettings.from(root);
        this.delay = DelaySettings.from(root);
        this.lora = LoraSettings.from(root);
        this.bcd = BcdPlanner.from(planner);
    }

    /** K, the clients of the deployment. */
    int clients() {
        return deployment.clients();
    }

    int layers() {
        return costs.layers();
    }

    /** The round's setup for the given participants (ascending client ids, at least one). */
    RoundSetup plan(int round, int[] participants) {
        RoundChannel full = deployment.channel(round);
        RoundChannel channel = participants.length == deployment.clients() ? full : subset(full, participants);
        List<ComputeProfile> compute = new ArrayList<>(participants.length);
        for (int k : participants) {
            compute.add(deployment.clientCompute(k));
        }
        return switch (emu.scheme()) {
            case SFL -> splitFederated(round, participants, channel, compute);
            case SL -> sequential(round, participants, channel, compute);
            case FL -> federated(round, participants, channel, compute);
            case CENTRALIZED -> centralized(round);
        };
    }

    /** A plan on both links: per participant owned subchannels and their PSDs (aligned), and its delays. */
    private record Allocation(int split, int rank, int[][] ownedMain, double[][] psdMain, int[][] ownedFed,
            double[][] psdFed, List<DelayModel.ClientDelays> delays, DelayModel.Breakdown planned) {}

    private PlanningProblem problem(RoundChannel channel, List<ComputeProfile> compute) {
        return new PlanningProblem(costs, compute, deployment.server(), channel, system.localIterations(),
                planner.ranks(), RoundsModel.from(planner), delay);
    }

    private RoundSetup splitFederated(int round, int[] participants, RoundChannel channel, List<ComputeProfile> compute) {
        PlanningProblem p = problem(channel, compute);
        Allocation a = emu.planner() == EmuSettings.PlannerChoice.BCD ? fromPlan(bcd.plan(p)) : equal(p, allSplits(), planner.ranks());
        return setup(round, Scheme.SFL, participants, channel, p.delayModel(), a);
    }

    /** Vanilla split learning: one client at a time, so each is planned alone on the whole band. */
    private RoundSetup sequential(int round, int[] participants, RoundChannel channel, List<ComputeProfile> compute) {
        int k = participants.length;
        Allocation best = null;
        for (int s : allSplits()) {
            for (int r : planner.ranks()) {
                Allocation[] alloc = new Allocation[k];
                List<DelayModel.ClientDelays> delays = new ArrayList<>(k);
                DelayModel single = null;
                for (int i = 0; i < k; i++) {
                    PlanningProblem alone = problem(subset(channel, new int[] {i}), List.of(compute.get(i)));
                    single = alone.delayModel();
                    alloc[i] = equal(alone, List.of(s), List.of(r));
                    delays.add(alloc[i].delays().get(0));
                }
                DelayModel.Breakdown b = DelayModel.sequential(delays, single.serverForwardS(s, r),
                        single.serverBackwardS(s, r), system.localIterations(), RoundsModel.from(planner).rounds(r));
                if (best == null || b.totalS() < best.planned().totalS()) {
                    best = allocation(s, r, k, i -> alloc[i].ownedMain()[0], i -> alloc[i].psdMain()[0],
                            i -> alloc[i].ownedFed()[0], i -> alloc[i].psdFed()[0], List.copyOf(delays), b);
                }
            }
        }
        return setup(round, Scheme.SL, participants, channel, problem(channel, compute).delayModel(), best);
    }

    /** Federated LoRA: the whole model on every client, the whole LoRA uploaded; main link unused. */
    private RoundSetup federated(int round, int[] participants, RoundChannel channel, List<ComputeProfile> compute) {
        int l = costs.layers();
        int rank = lora.rank();
        long loraBits = Math.round(wholeLoraBits(rank));
        LinkState fed = channel.fed();
        int k = participants.length;
        WaterFilling[] wf = roundRobin(fed, k);
        PowerControl.LinkSolution sol = PowerControl.solve(wf, new double[k], loraBits, fed.pmaxW(), fed.pthW(),
                planner.bisectionTolerance());
        Link[] links = new Link[k];
        double[] fedRates = new double[k];
        for (int i = 0; i < k; i++) {
            links[i] = new Link(0, Link.rate(fed, i, wf[i].index(), psdOf(wf[i], sol.waterLevel()[i])));
            fedRates[i] = links[i].rateFedBps();
        }
        DelayModel.Evaluation e = problem(channel, compute).delayModel().evaluateFederated(rank, loraBits, fedRates,
                RoundsModel.from(planner).rounds(rank));
        RoundSetup.ClientShare[] shares = new RoundSetup.ClientShare[k];
        for (int i = 0; i < k; i++) {
            DelayModel.ClientDelays d = e.clients().get(i);
            shares[i] = new RoundSetup.ClientShare(participants[i], d.forwardS(), d.backwardS(), links[i], 0,
                    wf[i].index().length);
        }
        return new RoundSetup(round, Scheme.FL, l, rank, system.localIterations(), participants, shares, 0, 0,
                loraBits, 0, e.breakdown().roundS(), 0, l);
    }

    /** One server with all the data: K mini-batches per iteration through the whole model, no links. */
    private RoundSetup centralized(int round) {
        int rank = lora.rank();
        List<ComputeProfile> everyClient = new ArrayList<>(deployment.clients());
        for (int k = 0; k < deployment.clients(); k++) {
            everyClient.add(deployment.clientCompute(k));
        }
        DelayModel model = new DelayModel(costs, everyClient, deployment.server(), system.localIterations(), delay);
        DelayModel.Breakdown b = model.evaluateCentralized(rank, RoundsModel.from(planner).rounds(rank));
        return new RoundSetup(round, Scheme.CENTRALIZED, 0, rank, system.localIterations(), new int[0],
                new RoundSetup.ClientShare[0], model.wholeModelServerForwardPerBatchS(rank), 0, 0, 0, b.roundS(), 0,
                costs.layers());
    }

    /** LoRA bits of every block, r Σ_j δ_j: the client part at ℓ = L−1 plus the server part (block L). */
    private double wholeLoraBits(int rank) {
        int l = table.layers();
        return table.clientLoraBits(l - 1, rank) + table.serverLoraBits(l - 1, rank);
    }

    private Allocation fromPlan(Plan plan) {
        List<Plan.ClientPlan> c = plan.clients();
        List<DelayModel.ClientDelays> delays = c.stream().map(Plan.ClientPlan::delays).toList();
        return allocation(plan.splitLayer(), plan.rank(), c.size(), i -> c.get(i).subchannelsMain(),
                i -> c.get(i).psdMain(), i -> c.get(i).subchannelsFed(), i -> c.get(i).psdFed(), delays, plan.breakdown());
    }

    /** An allocation of {@code k} participants from per-participant subchannels and PSDs on both links. */
    private static Allocation allocation(int split, int rank, int k, IntFunction<int[]> ownedMain,
            IntFunction<double[]> psdMain, IntFunction<int[]> ownedFed, IntFunction<double[]> psdFed,
            List<DelayModel.ClientDelays> delays, DelayModel.Breakdown planned) {
        int[][] om = new int[k][];
        double[][] pm = new double[k][];
        int[][] of = new int[k][];
        double[][] pf = new double[k][];
        for (int i = 0; i < k; i++) {
            om[i] = ownedMain.apply(i);
            pm[i] = psdMain.apply(i);
            of[i] = ownedFed.apply(i);
            pf[i] = psdFed.apply(i);
        }
        return new Allocation(split, rank, om, pm, of, pf, delays, planned);
    }

    /** Round-robin equal subchannels, exact power control on both links, best split and rank by T_total. */
    private Allocation equal(PlanningProblem p, List<Integer> splits, List<Integer> ranks) {
        int k = p.clients();
        LinkState main = p.channel().main();
        LinkState fed = p.channel().fed();
        WaterFilling[] wfMain = roundRobin(main, k);
        WaterFilling[] wfFed = roundRobin(fed, k);
        DelayModel model = p.delayModel();
        Allocation best = null;
        for (int s : splits) {
            for (int r : ranks) {
                double[] forward = new double[k];
                for (int i = 0; i < k; i++) {
                    forward[i] = model.clientForwardS(i, s, r);
                }
                PowerControl.LinkSolution m = PowerControl.solve(wfMain, forward, model.activationBits(s), main.pmaxW(),
                        main.pthW(), planner.bisectionTolerance());
                PowerControl.LinkSolution f = PowerControl.solve(wfFed, new double[k], model.loraBits(s, r), fed.pmaxW(),
                        fed.pthW(), planner.bisectionTolerance());
                DelayModel.Evaluation e = model.evaluate(s, r, m.rateBps(), f.rateBps(), p.rounds().rounds(r));
                DelayModel.Breakdown b = e.breakdown();
                if (best == null || b.totalS() < best.planned().totalS()) {
                    best = allocation(s, r, k, i -> wfMain[i].index(), i -> psdOf(wfMain[i], m.waterLevel()[i]),
                            i -> wfFed[i].index(), i -> psdOf(wfFed[i], f.waterLevel()[i]), e.clients(), b);
                }
            }
        }
        return best;
    }

    private static WaterFilling[] roundRobin(LinkState link, int clients) {
        int[][] owned = SubchannelAssignment.roundRobin(clients, link.subchannels());
        WaterFilling[] wf = new WaterFilling[clients];
        for (int i = 0; i < clients; i++) {
            wf[i] = new WaterFilling(owned[i], link.subchannelHz(), link.snrPerPsd()[i]);
        }
        return wf;
    }

    private static double[] psdOf(WaterFilling wf, double level) {
        double[] psd = new double[wf.size()];
        for (int i = 0; i < psd.length; i++) {
            psd[i] = wf.psd(i, level);
        }
        return psd;
    }

    private List<Integer> allSplits() {
        List<Integer> s = new ArrayList<>();
        for (int l = 1; l < costs.layers(); l++) {
            s.add(l);
        }
        return s;
    }

    private RoundSetup setup(int round, Scheme scheme, int[] participants, RoundChannel channel, DelayModel model,
            Allocation a) {
        int k = participants.length;
        RoundSetup.ClientShare[] shares = new RoundSetup.ClientShare[k];
        for (int i = 0; i < k; i++) {
            Link link = new Link(Link.rate(channel.main(), i, a.ownedMain()[i], a.psdMain()[i]),
                    Link.rate(channel.fed(), i, a.ownedFed()[i], a.psdFed()[i]));
            shares[i] = new RoundSetup.ClientShare(participants[i], model.clientForwardS(i, a.split(), a.rank()),
                    model.clientBackwardS(i, a.split(), a.rank()), link, a.ownedMain()[i].length, a.ownedFed()[i].length);
        }
        double perBatch = model.serverForwardPerClientS(a.split(), a.rank());
        return new RoundSetup(round, scheme, a.split(), a.rank(), system.localIterations(), participants, shares,
                perBatch, Math.round(model.activationBits(a.split())), Math.round(model.loraBits(a.split(), a.rank())),
                model.gradientDownloadS(a.split()), a.planned().roundS(), a.planned().t1(), costs.layers());
    }

    /** The rows of the given participants (row indices into {@code channel}); p_th of each link unchanged. */
    private static RoundChannel subset(RoundChannel channel, int[] rows) {
        return new RoundChannel(channel.round(), subset(channel.main(), rows), subset(channel.fed(), rows),
                channel.clients());
    }

    private static LinkState subset(LinkState link, int[] rows) {
        double[][] snr = new double[rows.length][];
        double[] pmax = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            snr[i] = link.snrPerPsd()[rows[i]];
            pmax[i] = link.pmaxW()[rows[i]];
        }
        return new LinkState(link.subchannelHz(), snr, pmax, link.pthW());
    }
}
