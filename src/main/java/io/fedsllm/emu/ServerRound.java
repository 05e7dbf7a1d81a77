package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.scenario.Scenario;
import java.util.List;
import org.slf4j.Logger;

/**
 * The main server's arithmetic of one round, kept out of its actor: the iteration barriers (SYSTEM_MODEL §5), the
 * server steps in client-id order ({@link ServerSteps}), the virtual clock and the round's breakdown
 * ({@link ServerTally}). It sends the protocol messages to the peers it is given; the actor owns the phases and the
 * timers.
 *
 * <p>Iteration i starts when every stepped client of i−1 finished backward (max of arrivals); the server steps when
 * every expected activation of i is in (max of arrivals; under the deadline policy late ones are left out). Split
 * learning steps one client at a time in id order ({@link #stepClients}); federated LoRA has no server iterations;
 * centralized training steps alone on every shard.
 */
final class ServerRound {
    private final MainServer.Configure plan;
    private final MainServer.Peers peers;
    private final Outbox outbox;
    private final ServerCompute compute;
    private final VirtualClock clock;
    private final boolean[] gone;         // dead clients, and clients out of this round (withdrawn or silent)
    private final IterationBarrier it;
    private final int[] order;            // participants in id order
    private int step;                     // sequential index over iterations (sl: over clients × iterations)
    private double endS;                  // the end of the round's iterations
    private final Scenario scenario;
    private final ServerTally tally;
    private final ServerSteps steps;

    ServerRound(MainServer.Configure plan, MainServer.Peers peers, Outbox outbox, ServerCompute compute, Double measuredScale,
            VirtualClock clock, boolean[] lost, IterationBarrier barrier, Scenario scenario) {
        this.plan = plan;
        this.peers = peers;
        this.outbox = outbox;
        this.compute = compute;
        this.clock = clock;
        this.gone = lost.clone();
        this.it = barrier;
        this.order = plan.participants().stream().mapToInt(Integer::intValue).toArray();
        this.scenario = scenario;
        this.tally = new ServerTally(plan.localIterations());
        this.steps = new ServerSteps(plan, peers, outbox, compute, measuredScale, clock, barrier, scenario, tally,
                lost.length);
        clock.startAt(plan.startS());
        this.endS = plan.startS();
        barrier.clear(plan.startS());
    }

    MainServer.Configure plan() {
        return plan;
    }

    IterationBarrier barrier() {
        return it;
    }

    /** The local iteration in progress (0-based, per client turn in split learning). */
    int iteration() {
        return step % plan.localIterations();
    }

    boolean gone(int client) {
        return gone[client];
    }

    /** The clients of the current step: all participants, or (sl) the one whose turn it is. */
    int[] stepClients() {
        return plan.scheme() == Scheme.SL ? new int[] {order[step / plan.localIterations()]} : order;
    }

    private int totalSteps() {
        return plan.scheme() == Scheme.SL ? order.length * plan.localIterations() : plan.localIterations();
    }

    /** Iteration barrier passed at {@code startS}: the clients of this step run forward. False when nobody is expected. */
    boolean startIteration(double startS) {
        int iteration = iteration();
        if (!scenario.isEmpty()) {
            MainServer.crashIfDue(scenario, plan, iteration, startS);
        }
        it.reset(startS);
        tally.iterationStarted(iteration, startS);
        for (int c : stepClients()) {
            it.expect(c, !gone[c]);
            if (!gone[c]) {
                outbox.send(peers.clients().get(c), new Client.StartIteration(plan.round(), iteration, startS));
            }
        }
        return it.expectedCount > 0;
    }

    /** Why these activations cannot join the iteration, or null (then they are kept). */
    String accept(MainServer.Activations m) {
        if (m.iteration() != iteration() || it.stepped) {
            return "activations of round " + m.round() + " iteration " + m.iteration() + " unexpected";
        }
        if (m.client() < 0 || m.client() >= gone.length || !it.expected[m.client()]) {
            return "client " + m.client() + " is not expected in this iteration";
        }
        if (it.arrived[m.client()]) {
            return "duplicate activations from client " + m.client();
        }
        if (m.bits() != plan.activationBits()) {
            return "activation size " + m.bits() + " bits, expected " + plan.activationBits();
        }
        if (!(m.arrivalS() >= it.startS) || !Double.isFinite(m.arrivalS())) {
            return "arrival " + m.arrivalS() + " s before the iteration start " + it.startS + " s";
        }
        if (m.lost()) {
            if (m.payload() != null || m.labels() != null) {
                return "lost activations of client " + m.client() + " carry a payload";
            }
            it.arrive(m.client(), m.arrivalS(), true);
            return null;
        }
        String bad = compute.check(m);
        if (bad != null) {
            return "client " + m.client() + ": " + bad;
        }
        steps.hold(m.client(), m.payload(), m.labels());
        it.arrive(m.client(), m.arrivalS(), false);
        tally.received(m.bits());
        return null;
    }

    /**
     * Every expected activation is in: steps on the accepted ones in client-id order and sends the gradients
     * ({@link ServerSteps#step}). The step's loss (NaN in analytic mode or without a step).
     */
    double stepServer() {
        return steps.step(iteration(), stepClients(), gone);
    }

    /** Why a backward report cannot be taken, or null (then it is counted). */
    String backwardDone(MainServer.BackwardDone m) {
        if (m.iteration() != iteration() || !it.stepped) {
            return "backward of round " + m.round() + " iteration " + m.iteration() + " unexpected";
        }
        if (m.client() < 0 || m.client() >= gone.length || !it.accepted[m.client()]) {
            return "client " + m.client() + " was not stepped in this iteration";
        }
        it.backwardDone(m.client(), m.arrivalS());
        return null;
    }

    /**
     * Backward barrier passed (max of the stepped clients' backward ends): the next iteration starts, or local training
     * ends. True when the round's iterations are over ({@link #iterationsDone} is then due).
     */
    boolean nextIteration() {
        double barrier = it.backwardMaxS;
        tally.waitedForBackward(barrier - it.gradientsSentS);
        step++;
        if (step < totalSteps()) {
            if (plan.scheme() == Scheme.SL && step % plan.localIterations() == 0) {
                endLocalTraining(order[step / plan.localIterations() - 1], barrier);
            }
            startIteration(barrier);
            return false;
        }
        if (plan.scheme() == Scheme.SL) {
            endLocalTraining(order[order.length - 1], barrier);
        } else {
            for (int c : order) {
                endLocalTraining(c, barrier);
            }
        }
        endS = barrier;
        return true;
    }

    private void endLocalTraining(int client, double atS) {
        if (!gone[client]) {
            outbox.send(peers.clients().get(client), new Client.EndLocalTraining(plan.round(), atS));
        }
    }

    /** Centralized: every iteration on one mini-batch per shard, no clients, no links; the losses. */
    double[] trainCentralized() {
        double[] losses = steps.centralized();
        endS = clock.now();
        return losses;
    }

    /**
     * A client is out of the rest of this round (dead, withdrawn, or silent past the timeout): it is no longer waited
     * for. Returns what is now due: {@code 1} the server step, {@code 2} the next iteration, {@code 0} nothing.
     */
    int drop(int client, boolean told, Logger log, String why) {
        if (gone[client]) {
            return 0;
        }
        gone[client] = true;
        if (why != null) {
            log.warn("main server: client {} {} in round {} iteration {}: out of the round", client, why, plan.round(),
                    iteration());
        }
        if (told) {
            outbox.send(peers.clients().get(client), new Client.EndLocalTraining(plan.round(),
                    it.stepped ? it.gradientsSentS : it.startS));
        }
        if (!it.stepped) {
            boolean was = it.expected[client];
            it.drop(client);
            return was && it.allArrived() ? 1 : 0;
        }
        boolean was = it.accepted[client];
        it.unaccept(client);
        return was && it.allBackward() ? 2 : 0;
    }

    /** The clients still awaited in the current phase of the iteration. */
    List<Integer> awaited() {
        java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
        for (int c : stepClients()) {
            if (!it.stepped ? it.expected[c] && !it.arrived[c] : it.accepted[c]) {
                out.add(c);
            }
        }
        return out;
    }

    /** The round's iterations are over: the report for the coordinator (fl: no iterations, at the round start). */
    Coordinator.IterationsDone iterationsDone() {
        return tally.report(plan.round(), endS, compute.serverLora(), steps.notes());
    }

    /** One more client-iteration left out (silent past the timeout). */
    void countLeftOut() {
        tally.leftOut(1);
    }
}
