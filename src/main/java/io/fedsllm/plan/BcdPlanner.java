package io.fedsllm.plan;

import io.fedsllm.config.PlannerSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's block-coordinate descent (Algorithm 3, SYSTEM_MODEL §6). Initialisation: an equal round-robin
 * subchannel split with exact power control and the best (split, rank) for it. Then, until T_total falls by
 * less than the relative tolerance or the iteration cap: (1) greedy subchannels on both links for the current
 * split and rank, refined by a local search (moves/swaps around the straggler, see
 * {@link SubchannelAssignment#refine}), (2) exact power control, kept only if T_total does not increase; (3) exhaustive split with
 * power re-solved per candidate; (4) exhaustive rank with power re-solved. T_total never increases.
 */
public final class BcdPlanner implements Planner {
    public static final String SCHEME = "proposed";

    private final double relativeTolerance;
    private final int maxIterations;
    private final double bisectionTolerance;
    private final int localSearchSteps;

    public BcdPlanner(double relativeTolerance, int maxIterations, double bisectionTolerance, int localSearchSteps) {
        this.relativeTolerance = relativeTolerance;
        this.maxIterations = maxIterations;
        this.bisectionTolerance = bisectionTolerance;
        this.localSearchSteps = localSearchSteps;
    }

    public static BcdPlanner from(PlannerSettings s) {
        return new BcdPlanner(s.relativeTolerance(), s.maxIterations(), s.bisectionTolerance(), s.localSearchSteps());
    }

    @Override
    public Plan plan(PlanningProblem problem) {
        return plan(problem, SCHEME, 0, 0);
    }

    /**
     * BCD with the split and/or rank optionally held fixed (baselines c and d).
     *
     * @param fixedSplit 0 to optimise the split, else the split to keep
     * @param fixedRank  0 to optimise the rank, else the rank to keep
     */
    public Plan plan(PlanningProblem problem, String scheme, int fixedSplit, int fixedRank) {
        Evaluator ev = new Evaluator(problem);
        List<Integer> splits = new ArrayList<>();
        if (fixedSplit > 0) {
            splits.add(fixedSplit);
        } else {
            for (int s = 1; s < problem.layers(); s++) {
                splits.add(s);
            }
        }
        List<Integer> ranks = fixedRank > 0 ? List.of(fixedRank) : problem.ranks();

        int k = problem.clients();
        int[][] rrMain = SubchannelAssignment.roundRobin(k, problem.channel().main().subchannels());
        int[][] rrFed = SubchannelAssignment.roundRobin(k, problem.channel().fed().subchannels());
        Assignment start = new Assignment(rrMain, ev.main.channels(rrMain), rrFed, ev.fed.channels(rrFed));
        Evaluator.Candidate best = null;
        for (int s : splits) {
            for (int r : ranks) {
                Evaluator.Candidate c = solve(ev, s, r, start);
                if (best == null || c.objective() < best.objective()) {
                    best = c;
                }
            }
        }
        Assignment current = start;
        List<Double> history = new ArrayList<>();
        List<Evaluator.Candidate> trace = new ArrayList<>();
        history.add(best.objective());
        trace.add(best);
        int iterations = 0;
        while (iterations < maxIterations) {
            iterations++;
            double before = best.objective();
            // Blocks 1 and 2: greedy subchannels for the current split and rank, then exact power control.
            double[] forward = ev.clientForwardS(best.split(), best.rank());
            double act = ev.delay.activationBits(best.split());
            double lora = ev.delay.loraBits(best.split(), best.rank());
            int[][] gMain = ev.main.refine(ev.main.greedy(forward, act), forward, act, localSearchSteps);
            int[][] gFed = ev.fed.refine(ev.fed.greedy(new double[k], lora), new double[k], lora, localSearchSteps);
            Assignment greedy = new Assignment(gMain, ev.main.channels(gMain), gFed, ev.fed.channels(gFed));
            Evaluator.Candidate g = solve(ev, best.split(), best.rank(), greedy);
            if (g.objective() <= best.objective()) {
                best = g;
                current = greedy;
            }
            // Block 3: split, power re-solved for each candidate.
            for (int s : splits) {
                Evaluator.Candidate c = solve(ev, s, best.rank(), current);
                if (c.objective() < best.objective()) {
                    best = c;
                }
            }
            // Block 4: rank, power re-solved for each candidate.
            for (int r : ranks) {
                Evaluator.Candidate c = solve(ev, best.split(), r, current);
                if (c.objective() < best.objective()) {
                    best = c;
                }
            }
            history.add(best.objective());
            trace.add(best);
            if (before - best.objective() <= relativeTolerance * before) {
                break;
            }
        }
        return ev.toPlan(scheme, best, iterations, history, trace);
    }

    /** Subchannels on both links and their water-filling views. */
    record Assignment(int[][] main, WaterFilling[] mainChannels, int[][] fed, WaterFilling[] fedChannels) {}

    /** Exact power control on both links for a fixed assignment, split and rank (block 2). */
    Evaluator.Candidate solve(Evaluator ev, int split, int rank, Assignment a) {
        var mainLink = ev.problem.channel().main();
        var fedLink = ev.problem.channel().fed();
        PowerControl.LinkSolution m = PowerControl.solve(a.mainChannels(), ev.clientForwardS(split, rank),
                ev.delay.activationBits(split), mainLink.pmaxW(), mainLink.pthW(), bisectionTolerance);
        PowerControl.LinkSolution f = PowerControl.solve(a.fedChannels(), new double[a.fed().length],
                ev.delay.loraBits(split, rank), fedLink.pmaxW(), fedLink.pthW(), bisectionTolerance);
        return ev.evaluate(split, rank, a.main(), Evaluator.psdOf(a.mainChannels(), m, mainLink.subchannels()),
                a.fed(), Evaluator.psdOf(a.fedChannels(), f, fedLink.subchannels()));
    }
}
