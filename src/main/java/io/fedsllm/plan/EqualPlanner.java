package io.fedsllm.plan;

import io.fedsllm.cost.DelayModel;
import io.fedsllm.net.LinkState;
import java.util.ArrayList;
import java.util.List;

/**
 * Equal subchannels (round-robin), exact power control on both links (SYSTEM_MODEL §6 block 2), and the best split
 * and rank by T_total, searched exhaustively. Cheaper than BCD at large K (no greedy assignment); used by the
 * emulator's {@code emu.planner = equal}, by split learning (each client alone) and federated LoRA (fed link only).
 */
public final class EqualPlanner implements Planner {
    public static final String SCHEME = "equal";

    private final double bisectionTolerance;

    public EqualPlanner(double bisectionTolerance) {
        this.bisectionTolerance = bisectionTolerance;
    }

    /** Every split 1..L−1 and every candidate rank of the problem. */
    @Override
    public Plan plan(PlanningProblem p) {
        List<Integer> splits = new ArrayList<>();
        for (int l = 1; l < p.layers(); l++) {
            splits.add(l);
        }
        return plan(p, splits, p.ranks());
    }

    /** The best of the given splits and ranks (ties: the first in split-major order). */
    public Plan plan(PlanningProblem p, List<Integer> splits, List<Integer> ranks) {
        int k = p.clients();
        LinkState main = p.channel().main();
        LinkState fed = p.channel().fed();
        WaterFilling[] wfMain = roundRobin(main, k);
        WaterFilling[] wfFed = roundRobin(fed, k);
        DelayModel model = p.delayModel();
        Plan best = null;
        for (int s : splits) {
            for (int r : ranks) {
                double[] forward = new double[k];
                for (int i = 0; i < k; i++) {
                    forward[i] = model.clientForwardS(i, s, r);
                }
                PowerControl.LinkSolution m = PowerControl.solve(wfMain, forward, model.activationBits(s), main.pmaxW(),
                        main.pthW(), bisectionTolerance);
                PowerControl.LinkSolution f = PowerControl.solve(wfFed, new double[k], model.loraBits(s, r), fed.pmaxW(),
                        fed.pthW(), bisectionTolerance);
                DelayModel.Evaluation e = model.evaluate(s, r, m.rateBps(), f.rateBps(), p.rounds().rounds(r));
                if (best == null || e.breakdown().totalS() < best.breakdown().totalS()) {
                    List<Plan.ClientPlan> clients = new ArrayList<>(k);
                    for (int i = 0; i < k; i++) {
                        clients.add(new Plan.ClientPlan(wfMain[i].index(), psdOf(wfMain[i], m.waterLevel()[i]),
                                wfFed[i].index(), psdOf(wfFed[i], f.waterLevel()[i]), m.powerW()[i], f.powerW()[i],
                                m.rateBps()[i], f.rateBps()[i], e.clients().get(i)));
                    }
                    best = new Plan(SCHEME, s, r, clients, e.breakdown(), 0, List.of(), List.of());
                }
            }
        }
        return best;
    }

    /** Round-robin equal subchannels on one link, as water-filling problems (one per client). */
    static WaterFilling[] roundRobin(LinkState link, int clients) {
        int[][] owned = SubchannelAssignment.roundRobin(clients, link.subchannels());
        WaterFilling[] wf = new WaterFilling[clients];
        for (int i = 0; i < clients; i++) {
            wf[i] = new WaterFilling(owned[i], link, i);
        }
        return wf;
    }

    /** The PSD on each subchannel of {@code wf} in its index order at water level {@code level}, W/Hz. */
    static double[] psdOf(WaterFilling wf, double level) {
        double[] psd = new double[wf.size()];
        for (int i = 0; i < psd.length; i++) {
            psd[i] = wf.psd(i, level);
        }
        return psd;
    }
}
