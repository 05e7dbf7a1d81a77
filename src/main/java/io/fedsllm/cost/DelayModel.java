package io.fedsllm.cost;

import io.fedsllm.config.DelaySettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The latency model of SYSTEM_MODEL §3–§5, written once: the planner evaluates candidate plans with it and the
 * emulator composes measured or modelled per-client delays with {@link #compose}. The emulator's comparison
 * schemes (ARCHITECTURE: sequential split learning, federated LoRA, centralized) are composed here too, from the
 * same terms T^F, T^A, T^G, T^B, T^M and server FP/BP ({@link #sequential}, {@link #federated},
 * {@link #centralized}). All times in seconds.
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

    /** The server's forward over ONE client's mini-batch: b κ_s F_s / f_s (§3). */
    public double serverForwardPerClientS(int split, int rank) {
        return server.seconds(costs.serverForwardFlops(split, rank));
    }

    /** T_s^F = K b κ_s F_s / f_s (§3: the server processes all K clients' activations). */
    public double serverForwardS(int split, int rank) {
        return clients() * serverForwardPerClientS(split, rank);
    }

    /** T_s^B = 2 T_s^F (§3). */
    public double serverBackwardS(int split, int rank) {
        return 2 * serverForwardS(split, rank);
    }

    /** Forward FLOPs of one mini-batch through every block and the head: the client part at ℓ = L−1 plus the rest. */
    private double wholeModelForwardFlops(int rank) {
        int last = costs.layers() - 1;
        return costs.clientForwardFlops(last, rank) + costs.serverForwardFlops(last, rank);
    }

    /** T_k^F when client k holds the whole model (federated LoRA): b κ_k F_whole / f_k; backward is twice it. */
    public double wholeModelClientForwardS(int client, int rank) {
        return clientCompute[client].seconds(wholeModelForwardFlops(rank));
    }

    /** The server's forward over ONE mini-batch through the whole model (centralized); K of them per iteration. */
    public double wholeModelServerForwardPerBatchS(int rank) {
        return server.seconds(wholeModelForwardFlops(rank));
    }

    /** T_s^F of the centralized scheme: K mini-batches through the whole model, K b κ_s F_whole / f_s. */
    public double wholeModelServerForwardS(int rank) {
        return clients() * wholeModelServerForwardPerBatchS(rank);
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
        List<ClientDelays> list = clientDelays(split, rank, mainRateBps, fedRateBps);
        return new Evaluation(list,
                compose(list, serverForwardS(split, rank), serverBackwardS(split, rank), localIterations, rounds));
    }

    private List<ClientDelays> clientDelays(int split, int rank, double[] mainRateBps, double[] fedRateBps) {
        checkRates(mainRateBps, fedRateBps);
        List<ClientDelays> list = new ArrayList<>(clients());
        for (int k = 0; k < clients(); k++) {
            list.add(clientDelays(k, split, rank, mainRateBps[k], fedRateBps[k]));
        }
        return List.copyOf(list);
    }

    private void checkRates(double[] mainRateBps, double[] fedRateBps) {
        if (mainRateBps.length != clients() || fedRateBps.length != clients()) {
            throw new IllegalArgumentException("expected " + clients() + " rates per link, got " + mainRateBps.length
                    + " and " + fedRateBps.length);
        }
    }

    /**
     * One client's delays when it trains the whole model alone (federated LoRA): T^F = whole-model forward,
     * T^B = 2 T^F, no activations, T^M = Δ_whole / R^fed.
     */
    public ClientDelays wholeModelClientDelays(int client, int rank, double loraBits, double fedRateBps) {
        double forward = wholeModelClientForwardS(client, rank);
        return new ClientDelays(forward, 0, 0, 2 * forward, transferS(loraBits, fedRateBps));
    }

    /** Federated LoRA at per-client fed-link rates, Δ = {@code loraBits} of the whole model ({@link #federated}). */
    public Evaluation evaluateFederated(int rank, double loraBits, double[] fedRateBps, double rounds) {
        checkRates(fedRateBps, fedRateBps);
        List<ClientDelays> list = new ArrayList<>(clients());
        for (int k = 0; k < clients(); k++) {
            list.add(wholeModelClientDelays(k, rank, loraBits, fedRateBps[k]));
        }
        return new Evaluation(List.copyOf(list), federated(list, localIterations, rounds));
    }

    /** Centralized training of the K clients' mini-batches on the server ({@link #centralized}); T_s^B = 2 T_s^F. */
    public Breakdown evaluateCentralized(int rank, double rounds) {
        double forward = wholeModelServerForwardS(rank);
        return centralized(forward, 2 * forward, localIterations, rounds);
    }

    /**
     * The §5 composition from per-client values (e.g. measured by the emulator):
     * T1 = max(T^F + T^A), T2 = max(T^G + T^B), T3 = max T^M, T = T1 + T_s^F + T_s^B + T2,
     * T_round = I·T + T3, T_total = R·T_round.
     */
    public static Breakdown compose(List<ClientDelays> clients, double serverForwardS, double serverBackwardS,
            int localIterations, double rounds) {
        Maxima m = Maxima.of(clients);
        double iteration = m.t1() + serverForwardS + serverBackwardS + m.t2();
        double round = localIterations * iteration + m.t3();
        return new Breakdown(m.t1(), m.t2(), m.t3(), serverForwardS, serverBackwardS, iteration, round, rounds,
                rounds * round);
    }

    /** T1 = max_k (T_k^F + T_k^A), T2 = max_k (T_k^G + T_k^B), T3 = max_k T_k^M (§5). */
    private record Maxima(double t1, double t2, double t3) {
        static Maxima of(List<ClientDelays> clients) {
            double t1 = 0;
            double t2 = 0;
            double t3 = 0;
            for (ClientDelays c : clients) {
                t1 = Math.max(t1, c.forwardS() + c.activationUploadS());
                t2 = Math.max(t2, c.gradientDownloadS() + c.backwardS());
                t3 = Math.max(t3, c.loraUploadS());
            }
            return new Maxima(t1, t2, t3);
        }
    }

    /**
     * Vanilla split learning (scheme sl): the clients train one after another, each alone with the main server,
     * so each client's single-client round of §5 adds up:
     * T_round = Σ_k [ I (T_k^F + T_k^A + T_s^F + T_s^B + T_k^G + T_k^B) + T_k^M ], with T_s^F, T_s^B the server
     * forward and backward over ONE client's mini-batch; T_total = R·T_round. T1, T2, T3 are the per-client
     * maxima (for the record); {@code iterationS} is the longest single-client iteration.
     */
    public static Breakdown sequential(List<ClientDelays> clients, double serverForwardPerClientS,
            double serverBackwardPerClientS, int localIterations, double rounds) {
        double longestIteration = 0;
        double round = 0;
        for (ClientDelays c : clients) {
            double iteration = (c.forwardS() + c.activationUploadS()) + serverForwardPerClientS + serverBackwardPerClientS
                    + (c.gradientDownloadS() + c.backwardS());
            round += localIterations * iteration + c.loraUploadS();
            longestIteration = Math.max(longestIteration, iteration);
        }
        Maxima m = Maxima.of(clients);
        return new Breakdown(m.t1(), m.t2(), m.t3(), serverForwardPerClientS, serverBackwardPerClientS, longestIteration,
                round, rounds, rounds * round);
    }

    /**
     * Federated LoRA (scheme fl): every client trains the whole model on its own, in parallel, then uploads its
     * whole LoRA; no activations, no server compute:
     * T_round = max_k [ I (T_k^F + T_k^B) + T_k^M ]; T_total = R·T_round. T1, T2, T3 are the per-client maxima;
     * {@code iterationS} is the longest client iteration max_k (T_k^F + T_k^B).
     */
    public static Breakdown federated(List<ClientDelays> clients, int localIterations, double rounds) {
        double longestIteration = 0;
        double round = 0;
        for (ClientDelays c : clients) {
            double iteration = c.forwardS() + c.backwardS();
            round = Math.max(round, localIterations * iteration + c.loraUploadS());
            longestIteration = Math.max(longestIteration, iteration);
        }
        Maxima m = Maxima.of(clients);
        return new Breakdown(m.t1(), m.t2(), m.t3(), 0, 0, longestIteration, round, rounds, rounds * round);
    }

    /**
     * Centralized (scheme centralized): one server holds all the data and the whole model; no links:
     * T = T_s^F + T_s^B with T_s^F over the K mini-batches of an iteration, T_round = I·T, T_total = R·T_round.
     */
    public static Breakdown centralized(double serverForwardS, double serverBackwardS, int localIterations, double rounds) {
        double iteration = serverForwardS + serverBackwardS;
        double round = localIterations * iteration;
        return new Breakdown(0, 0, 0, serverForwardS, serverBackwardS, iteration, round, rounds, rounds * round);
    }
}
