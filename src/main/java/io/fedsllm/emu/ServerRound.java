package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.scenario.MessageKind;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The main server's arithmetic of one round, kept out of its actor: the iteration barriers (SYSTEM_MODEL §5), the
 * server steps in client-id order, the virtual clock and the round's breakdown. It sends the protocol messages to
 * the peers it is given; the actor owns the phases and the timers.
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
    private final Double measuredScale;
    private final VirtualClock clock;
    private final boolean[] gone;         // dead clients, and clients out of this round (withdrawn or silent)
    private final IterationBarrier it;
    private final int[] order;            // participants in id order
    private int step;                     // sequential index over iterations (sl: over clients × iterations)
    private final byte[][] payloads;      // this iteration's activations by client id (real mode)
    private final int[][][] labels;
    private double t1S;
    private double serverForwardS;
    private double serverBackwardS;
    private double t2S;
    private long bytesMain;
    private int leftOut;
    private double lossSum;
    private int lossSteps;
    private double endS;                  // the end of the round's iterations
    private final Scenario scenario;
    private final int[] deviceOf;         // by client id: the device it is in this round
    private final double[] iterationStartS;   // when each local iteration first started (NaN: not yet)
    private final List<Note> notes = new ArrayList<>();

    ServerRound(MainServer.Configure plan, MainServer.Peers peers, Outbox outbox, ServerCompute compute, Double measuredScale,
            VirtualClock clock, boolean[] lost, IterationBarrier barrier, Scenario scenario) {
        this.plan = plan;
        this.scenario = scenario;
        this.deviceOf = new int[lost.length];
        for (int i = 0; i < plan.participants().size(); i++) {
            deviceOf[plan.participants().get(i)] = plan.devices().get(i);
        }
        this.iterationStartS = new double[plan.localIterations()];
        java.util.Arrays.fill(iterationStartS, Double.NaN);
        this.peers = peers;
        this.outbox = outbox;
        this.compute = compute;
        this.measuredScale = measuredScale;
        this.clock = clock;
        this.gone = lost.clone();
        this.it = barrier;
        this.order = plan.participants().stream().mapToInt(Integer::intValue).toArray();
        this.payloads = new byte[lost.length][];
        this.labels = new int[lost.length][][];
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
        if (Double.isNaN(iterationStartS[iteration])) {
            iterationStartS[iteration] = startS;
        }
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
        payloads[m.client()] = m.payload();
        labels[m.client()] = m.labels();
        it.arrive(m.client(), m.arrivalS(), false);
        bytesMain += m.bits() / 8;
        return null;
    }

    /**
     * Every expected activation is in: steps on the accepted ones in client-id order and sends the gradients. The
     * step's loss (NaN in analytic mode or without a step).
     */
    double stepServer() {
        it.stepped = true;
        int iteration = iteration();
        double deadline = it.startS + plan.deadlineS();
        double barrier = it.startS;
        boolean anyLate = false;
        int accepted = 0;
        List<Integer> late = new ArrayList<>();
        List<Integer> lostOnes = new ArrayList<>();
        for (int c : stepClients()) {
            if (!it.arrived[c] || gone[c]) {
                continue;
            }
            if (it.arrivalS[c] > deadline) {
                anyLate = true;
                leftOut++;
                late.add(c);
            } else if (it.lost[c]) {
                // Noticed when it would have arrived: the barrier waited for it, then leaves its client out.
                barrier = Math.max(barrier, it.arrivalS[c]);
                leftOut++;
                lostOnes.add(c);
            } else {
                it.accepted[c] = true;
                accepted++;
            }
        }
        List<Integer> notKept = plan.keep() > 0 && accepted > plan.keep() ? keepFirst(plan.keep()) : List.of();
        accepted -= notKept.size();
        leftOut += notKept.size();
        double lastS = Double.NEGATIVE_INFINITY;
        double secondS = it.startS;
        int last = -1;
        for (int c : stepClients()) {
            if (it.accepted[c]) {
                barrier = Math.max(barrier, it.arrivalS[c]);
                if (it.arrivalS[c] > lastS) {
                    secondS = Math.max(secondS, lastS);
                    lastS = it.arrivalS[c];
                    last = c;
                } else {
                    secondS = Math.max(secondS, it.arrivalS[c]);
                }
            }
        }
        // Under the deadline policy the server waits until the deadline when someone is late, not longer.
        if (anyLate) {
            barrier = Math.max(barrier, deadline);
        }
        note(iteration, deadline, "deadline", late, "left out of iteration " + iteration + ": activations arrived after "
                + "the deadline (" + deadline + " s)");
        note(iteration, barrier, "over-select", notKept, "left out of iteration " + iteration + ": not among the first "
                + plan.keep() + " activations to arrive");
        note(iteration, barrier, "message-lost", lostOnes, "activations of iteration " + iteration + " lost on the main "
                + "link: left out of the iteration");
        if (last >= 0 && !scenario.isEmpty()) {
            String effects = scenario.effectsInForce(deviceOf[last], new Position(plan.round(), iteration, it.startS));
            if (!effects.isEmpty() && lastS > secondS) {
                note(iteration, lastS, "barrier-wait", List.of(last), "iteration " + iteration + "'s barrier waited "
                        + (lastS - secondS) + " s for this client (" + effects + ")");
            }
        }
        it.acceptedCount = accepted;
        double start = clock.startAt(barrier);
        long t0 = System.nanoTime();
        int[] ids = new int[accepted];
        int n = 0;
        for (int c : stepClients()) {
            if (it.accepted[c]) {
                ids[n++] = c;
            }
        }
        ServerCompute.Step s = compute.real() && accepted > 0 ? realStep(ids) : null;
        if (s != null && !Double.isFinite(s.loss())) {
            return s.loss(); // diverged: no gradients go out, the coordinator ends the run
        }
        double forward = serverForwardS(accepted * plan.serverForwardPerBatchS(), t0);
        double backward = 2 * forward;
        clock.advance(forward);
        clock.advance(backward);
        t1S += start - it.startS;
        serverForwardS += forward;
        serverBackwardS += backward;
        it.gradientsSentS = clock.now();
        List<Integer> gradientsLost = new ArrayList<>();
        for (int i = 0, a = 0; i < stepClients().length; i++) {
            int c = stepClients()[i];
            if (!it.arrived[c] || gone[c]) {
                continue;
            }
            if (it.accepted[c]) {
                byte[] g = s == null ? null : s.gradients()[a];
                a++;
                Transmission t = Transmission.of(scenario, deviceOf[c], MessageKind.GRADIENTS, plan.round(), iteration,
                        it.gradientsSentS, at -> plan.gradientDownloadS());
                if (t.delivered()) {
                    outbox.send(peers.clients().get(c), new Client.Gradients(plan.round(), iteration, true, plan.activationBits(), g,
                            t.arrivalS()));
                } else {
                    // Stepped, but its gradient does not reach it: no backward to wait for.
                    it.unaccept(c);
                    leftOut++;
                    gradientsLost.add(c);
                    outbox.send(peers.clients().get(c), new Client.Gradients(plan.round(), iteration, false, 0, null, t.arrivalS()));
                }
            } else {
                outbox.send(peers.clients().get(c), new Client.Gradients(plan.round(), iteration, false, 0, null, it.gradientsSentS));
            }
        }
        note(iteration, it.gradientsSentS, "message-lost", gradientsLost, "gradients of iteration " + iteration
                + " lost on the main link: no backward in this iteration");
        it.backwardMaxS = it.gradientsSentS;
        return s == null ? Double.NaN : s.loss();
    }

    /**
     * Over-selection: of the accepted activations only the first {@code keep} to arrive stay accepted (ties: lower
     * client id); the others, returned, are left out of the iteration.
     */
    private List<Integer> keepFirst(int keep) {
        List<Integer> order = new ArrayList<>();
        for (int c : stepClients()) {
            if (it.accepted[c]) {
                order.add(c);
            }
        }
        order.sort(java.util.Comparator.<Integer>comparingDouble(c -> it.arrivalS[c]).thenComparingInt(c -> c));
        List<Integer> out = new ArrayList<>(order.subList(keep, order.size()));
        for (int c : out) {
            it.accepted[c] = false;
        }
        out.sort(null);
        return out;
    }

    /** A note of this round for events.jsonl, on the devices of {@code clients} (nothing when there are none). */
    private void note(int iteration, double timeS, String type, List<Integer> clients, String effect) {
        if (clients.isEmpty()) {
            return;
        }
        List<Integer> devices = new ArrayList<>(clients.size());
        for (int c : clients) {
            devices.add(deviceOf[c]);
        }
        devices.sort(null);
        notes.add(new Note(iteration, timeS, type, devices, effect));
    }

    private ServerCompute.Step realStep(int[] ids) {
        byte[][] acts = new byte[ids.length][];
        int[][][] lab = new int[ids.length][][];
        for (int i = 0; i < ids.length; i++) {
            acts[i] = payloads[ids[i]];
            lab[i] = labels[ids[i]];
            payloads[ids[i]] = null;
            labels[ids[i]] = null;
        }
        ServerCompute.Step s = compute.step(ids, acts, lab);
        lossSum += s.loss();
        lossSteps++;
        return s;
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
        t2S += barrier - it.gradientsSentS;
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
        int batches = plan.centralizedBatches();
        double[] losses = new double[plan.localIterations()];
        for (int i = 0; i < plan.localIterations(); i++) {
            long t0 = System.nanoTime();
            losses[i] = compute.real() ? compute.centralizedStep(plan.round(), i, batches, plan.rank()) : Double.NaN;
            if (compute.real()) {
                lossSum += losses[i];
                lossSteps++;
            }
            double forward = serverForwardS(batches * plan.serverForwardPerBatchS(), t0);
            double backward = 2 * forward;
            clock.advance(forward + backward);
            serverForwardS += forward;
            serverBackwardS += backward;
        }
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
        return new Coordinator.IterationsDone(plan.round(), endS, t1S, serverForwardS, serverBackwardS, t2S, bytesMain,
                leftOut, lossSteps > 0 ? lossSum / lossSteps : null, compute.serverLora(), java.util.Arrays.stream(iterationStartS).boxed().toList(),
                List.copyOf(notes));
    }

    /** One more client-iteration left out (silent past the timeout). */
    void countLeftOut() {
        leftOut++;
    }

    /**
     * The server forward delay of a step: the delay model's {@code modelS}, or (compute-delay = measured) a third of the
     * step's wall seconds since {@code startNs} times measured-scale (backward = 2 × forward, SYSTEM_MODEL §3).
     */
    private double serverForwardS(double modelS, long startNs) {
        return measuredScale == null ? modelS : (System.nanoTime() - startNs) / 1e9 * measuredScale / 3;
    }
}
