package io.fedsllm.plan;

import io.fedsllm.config.Seeds;
import io.fedsllm.net.LinkState;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The paper's baselines a–d (SYSTEM_MODEL §6). Random choices come from {@link Seeds} streams
 * "baseline-split", "baseline-rank", "baseline-subchannels-main/-fed" indexed by the round, so a and c share
 * their random split, a and d their random rank, and a and b their random subchannels.
 */
public final class Baselines {
    private Baselines() {}

    /** (a) Random equal subchannel split, uniform PSD at p_max, random split and rank. */
    public static Planner a(long seed) {
        return p -> {
            Evaluator ev = new Evaluator(p);
            return ev.toPlan("a", uniform(ev, seed, randomSplit(seed, p), randomRank(seed, p)), 0, List.of(), List.of());
        };
    }

    /** (b) As (a), with the proposed exhaustive split and rank selection for that allocation. */
    public static Planner b(long seed) {
        return p -> {
            Evaluator ev = new Evaluator(p);
            Evaluator.Candidate best = null;
            for (int s = 1; s < p.layers(); s++) {
                for (int r : p.ranks()) {
                    Evaluator.Candidate c = uniform(ev, seed, s, r);
                    if (best == null || c.objective() < best.objective()) {
                        best = c;
                    }
                }
            }
            return ev.toPlan("b", best, 0, List.of(), List.of());
        };
    }

    /** (c) Random split; proposed subchannels, power and rank. */
    public static Planner c(long seed, BcdPlanner bcd) {
        return p -> bcd.plan(p, "c", randomSplit(seed, p), 0);
    }

    /** (d) Random rank; proposed subchannels, power and split. */
    public static Planner d(long seed, BcdPlanner bcd) {
        return p -> bcd.plan(p, "d", 0, randomRank(seed, p));
    }

    static int randomSplit(long seed, PlanningProblem p) {
        return Seeds.random(seed, "baseline-split", p.channel().round()).nextInt(1, p.layers());
    }

    static int randomRank(long seed, PlanningProblem p) {
        SplittableRandom r = Seeds.random(seed, "baseline-rank", p.channel().round());
        return p.ranks().get(r.nextInt(p.ranks().size()));
    }

    private static Evaluator.Candidate uniform(Evaluator ev, long seed, int split, int rank) {
        PlanningProblem p = ev.problem;
        int[][] main = randomEqualSplit(Seeds.random(seed, "baseline-subchannels-main", p.channel().round()),
                p.clients(), p.channel().main().subchannels());
        int[][] fed = randomEqualSplit(Seeds.random(seed, "baseline-subchannels-fed", p.channel().round()),
                p.clients(), p.channel().fed().subchannels());
        return ev.evaluate(split, rank, main, uniformPsd(p.channel().main(), main), fed, uniformPsd(p.channel().fed(), fed));
    }

    /** A random permutation of the subchannels cut into K near-equal parts (the first M mod K get one more). */
    static int[][] randomEqualSplit(SplittableRandom random, int clients, int subchannels) {
        int[] perm = new int[subchannels];
        for (int i = 0; i < subchannels; i++) {
            perm[i] = i;
        }
        for (int i = subchannels - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[][] owned = new int[clients][];
        int at = 0;
        for (int k = 0; k < clients; k++) {
            int n = subchannels / clients + (k < subchannels % clients ? 1 : 0);
            owned[k] = java.util.Arrays.copyOfRange(perm, at, at + n);
            at += n;
        }
        return owned;
    }

    /**
     * Uniform PSD: each client spreads p_max over its owned bandwidth; if Σ p_max exceeds p_th, every client is
     * scaled down by the same factor so that C5 holds.
     */
    static double[] uniformPsd(LinkState link, int[][] owned) {
        double sumPmax = 0;
        for (double p : link.pmaxW()) {
            sumPmax += p;
        }
        double scale = Math.min(1, link.pthW() / sumPmax);
        double[] psd = new double[link.subchannels()];
        for (int k = 0; k < owned.length; k++) {
            double hz = 0;
            for (int i : owned[k]) {
                hz += link.subchannelHz()[i];
            }
            for (int i : owned[k]) {
                psd[i] = scale * link.pmaxW()[k] / hz;
            }
        }
        return psd;
    }
}
