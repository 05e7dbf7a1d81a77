package io.fedsllm.cost;

import io.fedsllm.config.DelaySettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The latency model of SYSTEM_MODEL §3–§5, written once: the planner evaluates candidate plans with it and the
 * emulator composes measured or modelled per-client delays with {@link #compose}. All times in seconds.
 */
public final class DelayModel {

    /** One client's delays in one local iteration (and its LoRA upload once per round), seconds. */
    public record ClientDelays(double forwardS, double activationUploadS, double gradientDownloadS, double backwardS,
            double loraUploadS) {}

    /**
     * The composition of §5.
     *
     * @param t1         max_k (T_k^F + T_k^A)
     * @param t2         max_k (T_k^G + T_k^B); T_k^G (gradient downlink) is 0 unless enabled
     * @param t3         max_k T_k^M
     * @param iterationS T = T1 + T_s^F + T_s^B + T2
     * @param roundS     T_round = I·T + T3
     * @param rounds     R(r)
     * @param totalS     T_total = R(r)·T_round
     */
    public record Breakdown(double t1, double t2, double t3, double serverForwardS, double serverBackwardS,
            double iterationS, double roundS, double rounds, double totalS) {}

    /** Per-client delays and their composition. */
    public record Evaluation(List<ClientDelays> clients, Breakdown breakdown) {}

    private final SplitCosts costs;
    private final ComputeProfile[] clientCompute;
    private final ComputeProfile server;
    private final int localIterations;
    private final DelaySettings delay;

    public DelayModel(SplitCosts costs, List<ComputeProfile> clientCompute, ComputeProfile server, int localIterations,
            DelaySettings delay) {
        if (clientCompute.isEmpty()) {
            throw new IllegalArgumentException("delay model needs at least one client");
        }
        if (localIterations < 1) {
            throw new IllegalArgumentException("local iterations must be >= 1, got " + localIterations);
        }
        this.costs = costs;
        this.clientCompute = clientCompute.toArray(new ComputeProfile[0]);
        this.server = server;
        this.localIterations = localIterations;
        this.delay = delay;
    }

    public int clients() {
        return clientCompute.length;
    }

    public int localIterations() {
        return localIterations;
    }

    public SplitCosts costs() {
        return costs;
    }

    /** T_k^F = b κ_k F_c / f_k (§3). */
    public double clientForwardS(int client, int split, int rank) {
        return clientCompute[client].seconds(costs.clientForwardFlops(split, rank));
    }

    /** T_k^B = 2 T_k^F (§3: backward costs twice the forward). */
    public double clientBackwardS(int client, int split, int rank) {
        return 2 * clientForwardS(client, split, rank);
    }

    /** T_s^F = K b κ_s F_s / f_s (§3: the server processes all K clients' activations). */
    public double serverForwardS(int split, int rank) {
        return clients() * server.seconds(costs.serverForwardFlops(split, rank));
    }

    /** T_s^B = 2 T_s^F (§3). */
    public double serverBackwardS(int split, int rank) {
        return 2 * serverForwardS(split, rank);
    }

    /** b Ψ, activation bits one client uploads per local iteration. */
    public double activationBits(int split) {
        return costs.activationBits(split);
    }

    /** Δ, client-LoRA bits uploaded per round. */
    public double loraBits(int split, int rank) {
        return costs.clientLoraBits(split, rank);
    }

    /** Seconds to move {@code bits} at {@code rateBps}; infinite when the rate is not positive. */
    public static double transferS(double bits, double rateBps) {
        if (bits == 0) {
            return 0;
        }
        return rateBps > 0 ? bits / rateBps : Double.POSITIVE_INFINITY;
    }

    /** T_k^G, the activation-gradient downlink (same size as the activations); 0 when neglected (the default). */
    public double gradientDownloadS(int split) {
        return delay.gradientDownlink() ? transferS(activationBits(split), delay.gradientDownlinkRateBps()) : 0;
    }

    /** One client's delays at the given uplink rates (§3, §4): T^A = bΨ / R^main, T^M = Δ / R^fed. */
    public ClientDelays clientDelays(int client, int split, int rank, double mainRateBps, double fedRateBps) {
        return new ClientDelays(clientForwardS(client, split, rank), transferS(activationBits(split), mainRateBps),
                gradientDownloadS(split), clientBackwardS(client, split, rank), transferS(loraBits(split, rank), fedRateBps));
    }

    /** Evaluates a plan: per-client rates (bit/s) on both links → per-client delays and the §5 composition. */
    public Evaluation evaluate(int split, int rank, double[] mainRateBps, double[] fedRateBps, double rounds) {
        if (mainRateBps.length != clients() || fedRateBps.length != clients()) {
            throw new IllegalArgumentException("expected " + clients() + " rates per link, got " + mainRateBps.length
                    + " and " + fedRateBps.length);
        }
        List<ClientDelays> list = new ArrayList<>(clients());
        for (int k = 0; k < clients(); k++) {
            list.add(clientDelays(k, split, rank, mainRateBps[k], fedRateBps[k]));
        }
        return new Evaluation(List.copyOf(list),
                compose(list, serverForwardS(split, rank), serverBackwardS(split, rank), localIterations, rounds));
    }

    /**
     * The §5 composition from per-client values (e.g. measured by the emulator):
     * T1 = max(T^F + T^A), T2 = max(T^G + T^B), T3 = max T^M, T = T1 + T_s^F + T_s^B + T2,
     * T_round = I·T + T3, T_total = R·T_round.
     */
    public static Breakdown compose(List<ClientDelays> clients, double serverForwardS, double serverBackwardS,
            int localIterations, double rounds) {
        double t1 = 0;
        double t2 = 0;
        double t3 = 0;
        for (ClientDelays c : clients) {
            t1 = Math.max(t1, c.forwardS() + c.activationUploadS());
            t2 = Math.max(t2, c.gradientDownloadS() + c.backwardS());
            t3 = Math.max(t3, c.loraUploadS());
        }
        double iteration = t1 + serverForwardS + serverBackwardS + t2;
        double round = localIterations * iteration + t3;
        return new Breakdown(t1, t2, t3, serverForwardS, serverBackwardS, iteration, round, rounds, rounds * round);
    }
}
