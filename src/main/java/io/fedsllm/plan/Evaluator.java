package io.fedsllm.plan;

import io.fedsllm.cost.DelayModel;
import io.fedsllm.net.LinkState;
import io.fedsllm.net.Rates;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shared by the BCD planner and the baselines: evaluates an allocation (owned subchannels and PSDs on both
 * links, split, rank) with the one {@link DelayModel}, and turns it into a {@link Plan}.
 */
final class Evaluator {

    /** A fully specified allocation and its evaluation; arrays are not copied (internal use). */
    record Candidate(int split, int rank, int[][] ownedMain, double[] psdMain, int[][] ownedFed, double[] psdFed,
            double[] rateMain, double[] rateFed, DelayModel.Evaluation evaluation) {
        double objective() {
            return evaluation.breakdown().totalS();
        }
    }

    final PlanningProblem problem;
    final DelayModel delay;
    final SubchannelAssignment main;
    final SubchannelAssignment fed;

    Evaluator(PlanningProblem problem) {
        this.problem = problem;
        this.delay = problem.delayModel();
        this.main = new SubchannelAssignment(problem.channel().main());
        this.fed = new SubchannelAssignment(problem.channel().fed());
    }

    /** T_k^F for every client. */
    double[] clientForwardS(int split, int rank) {
        double[] t = new double[delay.clients()];
        for (int k = 0; k < t.length; k++) {
            t[k] = delay.clientForwardS(k, split, rank);
        }
        return t;
    }

    /** Evaluates explicit PSDs (indexed by subchannel) on owned subchannels. */
    Candidate evaluate(int split, int rank, int[][] ownedMain, double[] psdMain, int[][] ownedFed, double[] psdFed) {
        double[] rateMain = rates(problem.channel().main(), ownedMain, psdMain);
        double[] rateFed = rates(problem.channel().fed(), ownedFed, psdFed);
        DelayModel.Evaluation e = delay.evaluate(split, rank, rateMain, rateFed, problem.rounds().rounds(rank));
        return new Candidate(split, rank, ownedMain, psdMain, ownedFed, psdFed, rateMain, rateFed, e);
    }

    private static double[] rates(LinkState link, int[][] owned, double[] psd) {
        double[] r = new double[owned.length];
        for (int k = 0; k < owned.length; k++) {
            r[k] = Rates.rate(link, k, psd, owned[k]);
        }
        return r;
    }

    /** Link-indexed PSDs of a power-control solution. */
    static double[] psdOf(WaterFilling[] channels, PowerControl.LinkSolution solution, int subchannels) {
        double[] psd = new double[subchannels];
        for (int k = 0; k < channels.length; k++) {
            int[] idx = channels[k].index();
            for (int i = 0; i < idx.length; i++) {
                psd[idx[i]] = channels[k].psd(i, solution.waterLevel()[k]);
            }
        }
        return psd;
    }

    /** The plan of candidate {@code c}; {@code trace} holds the BCD iterates aligned with {@code history}. */
    Plan toPlan(String scheme, Candidate c, int iterations, List<Double> history, List<Candidate> trace) {
        List<Plan.ClientPlan> clients = new ArrayList<>();
        LinkState m = problem.channel().main();
        LinkState f = problem.channel().fed();
        for (int k = 0; k < delay.clients(); k++) {
            int[] sm = sorted(c.ownedMain()[k]);
            int[] sf = sorted(c.ownedFed()[k]);
            double[] pm = pick(c.psdMain(), sm);
            double[] pf = pick(c.psdFed(), sf);
            clients.add(new Plan.ClientPlan(sm, pm, sf, pf, power(m, sm, pm), power(f, sf, pf), c.rateMain()[k],
                    c.rateFed()[k], c.evaluation().clients().get(k)));
        }
        List<Plan.Iterate> iterates = new ArrayList<>(trace.size());
        for (Candidate t : trace) {
            iterates.add(iterate(t));
        }
        return new Plan(scheme, c.split(), c.rank(), clients, c.evaluation().breakdown(), iterations, history, iterates);
    }

    private static Plan.Iterate iterate(Candidate c) {
        int k = c.ownedMain().length;
        int[][] sm = new int[k][];
        double[][] pm = new double[k][];
        int[][] sf = new int[k][];
        double[][] pf = new double[k][];
        for (int i = 0; i < k; i++) {
            sm[i] = sorted(c.ownedMain()[i]);
            pm[i] = pick(c.psdMain(), sm[i]);
            sf[i] = sorted(c.ownedFed()[i]);
            pf[i] = pick(c.psdFed(), sf[i]);
        }
        return new Plan.Iterate(c.split(), c.rank(), sm, pm, sf, pf);
    }

    private static int[] sorted(int[] a) {
        int[] s = a.clone();
        Arrays.sort(s);
        return s;
    }

    private static double[] pick(double[] psd, int[] idx) {
        double[] p = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            p[i] = psd[idx[i]];
        }
        return p;
    }

    private static double power(LinkState link, int[] idx, double[] psd) {
        double p = 0;
        for (int i = 0; i < idx.length; i++) {
            p += psd[i] * link.subchannelHz()[idx[i]];
        }
        return p;
    }
}
