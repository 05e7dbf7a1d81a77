package io.fedsllm.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Exact solution of the energy-constrained rank maximisation (SYSTEM_MODEL §7): for a rank r the cheapest
 * feasible frequency of device k is f_k* = C_k(r) / (T_max − T_k^com(r)); r is feasible iff f_k* ≤ f_k^max and
 * κ_e C_k f_k*² + p_k T_k^com ≤ E_max for every device. The answer is the largest feasible r in 1..maxRank.
 */
public final class EnergyRankPlanner {
    private EnergyRankPlanner() {}

    /** One device at one rank: the frequency it needs and what it costs. */
    public record DevicePoint(double frequencyHz, double computeS, double uploadS, double energyJ, boolean feasible) {}

    /** The outcome at one rank. */
    public record Evaluation(int rank, boolean feasible, List<DevicePoint> devices) {}

    /** The answer: the largest feasible rank (0 if none is) and its evaluation. */
    public record Result(int rank, Evaluation evaluation) {}

    public static Evaluation evaluate(EnergyRankProblem p, int rank) {
        List<DevicePoint> points = new ArrayList<>();
        boolean all = true;
        for (EnergyRankProblem.Device d : p.devices()) {
            double cycles = d.cyclesBase() + rank * d.cyclesPerRank();
            double uploadS = rank * p.uploadBitsPerRank() / d.uploadRateBps();
            double slack = p.delayMaxS() - uploadS;
            DevicePoint point;
            if (!(slack > 0)) {
                point = new DevicePoint(Double.POSITIVE_INFINITY, Double.NaN, uploadS, Double.POSITIVE_INFINITY, false);
            } else {
                double f = cycles / slack;
                double energy = p.kappa() * cycles * f * f + d.transmitPowerW() * uploadS;
                boolean ok = f <= d.maxFrequencyHz() && energy <= p.energyMaxJ();
                point = new DevicePoint(f, cycles / f, uploadS, energy, ok);
            }
            all &= point.feasible();
            points.add(point);
        }
        return new Evaluation(rank, all, List.copyOf(points));
    }

    /** The largest feasible rank; rank 0 with the rank-1 evaluation when even r = 1 is infeasible. */
    public static Result solve(EnergyRankProblem p) {
        Evaluation best = null;
        for (int r = 1; r <= p.maxRank(); r++) {
            Evaluation e = evaluate(p, r);
            if (e.feasible()) {
                best = e;
            }
        }
        return best == null ? new Result(0, evaluate(p, 1)) : new Result(best.rank(), best);
    }
}
