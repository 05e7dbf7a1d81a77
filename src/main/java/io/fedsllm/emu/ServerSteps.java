package io.fedsllm.emu;

import io.fedsllm.scenario.MessageKind;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The main server's steps of one round, kept out of {@link ServerRound} (which sequences the iterations): who of an
 * iteration's activations is stepped (late ones under the deadline policy, lost ones and, under over-selection, all
 * but the first to arrive are left out), the step on the others in client-id order under the virtual clock, and the
 * gradients back to the clients; centralized training's steps on every shard. What it leaves out, and a barrier held
 * up by a client under a scenario effect, become the round's notes for {@code events.jsonl}; its times, losses and
 * counts go to the round's {@link ServerTally}.
 */
final class ServerSteps {
    private final MainServer.Configure plan;
    private final MainServer.Peers peers;
    private final Outbox outbox;
    private final ServerCompute compute;
    private final Double measuredScale;
    private final VirtualClock clock;
    private final IterationBarrier it;
    private final Scenario scenario;
    private final ServerTally tally;
    private final int[] deviceOf;         // by client id: the device it is in this round
    private final byte[][] payloads;      // this iteration's activations by client id (real mode)
    private final int[][][] labels;
    private final List<Note> notes = new ArrayList<>();

    ServerSteps(MainServer.Configure plan, MainServer.Peers peers, Outbox outbox, ServerCompute compute,
            Double measuredScale, VirtualClock clock, IterationBarrier barrier, Scenario scenario, ServerTally tally,
            int clients) {
        this.plan = plan;
        this.peers = peers;
        this.outbox = outbox;
        this.compute = compute;
        this.measuredScale = measuredScale;
        this.clock = clock;
        this.it = barrier;
        this.scenario = scenario;
        this.tally = tally;
        this.deviceOf = new int[clients];
        for (int i = 0; i < plan.participants().size(); i++) {
            deviceOf[plan.participants().get(i)] = plan.devices().get(i);
        }
        this.payloads = new byte[clients][];
        this.labels = new int[clients][][];
    }

    /** Keeps a client's accepted activations (null in analytic mode) for the step. */
    void hold(int client, byte[] payload, int[][] labels) {
        payloads[client] = payload;
        this.labels[client] = labels;
    }

    /** The round's notes so far. */
    List<Note> notes() {
        return notes;
    }

    /**
     * Every expected activation of {@code iteration} is in: steps on the accepted ones of {@code clients} (those of
     * the step) in client-id order and sends the gradients; {@code gone}: clients out of the round. The step's loss
     * (NaN in analytic mode or without a step).
     */
    double step(int iteration, int[] clients, boolean[] gone) {
        it.stepped = true;
        double deadline = it.startS + plan.deadlineS();
        double barrier = it.startS;
        boolean anyLate = false;
        int accepted = 0;
        List<Integer> late = new ArrayList<>();
        List<Integer> lostOnes = new ArrayList<>();
        for (int c : clients) {
            if (!it.arrived[c] || gone[c]) {
                continue;
            }
            if (it.arrivalS[c] > deadline) {
                anyLate = true;
                late.add(c);
            } else if (it.lost[c]) {
                // Noticed when it would have arrived: the barrier waited for it, then leaves its client out.
                barrier = Math.max(barrier, it.arrivalS[c]);
                lostOnes.add(c);
            } else {
                it.accepted[c] = true;
                accepted++;
            }
        }
        List<Integer> notKept = plan.keep() > 0 && accepted > plan.keep() ? keepFirst(clients, plan.keep()) : List.of();
        accepted -= notKept.size();
        tally.leftOut(late.size() + lostOnes.size() + notKept.size());
        double lastS = Double.NEGATIVE_INFINITY;
        double secondS = it.startS;
        int last = -1;
        for (int c : clients) {
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
        for (int c : clients) {
            if (it.accepted[c]) {
                ids[n++] = c;
            }
        }
        ServerCompute.Step s = compute.real() && accepted > 0 ? realStep(ids) : null;
        if (s != null && !Double.isFinite(s.loss())) {
            return s.loss(); // diverged: no gradients go out, the coordinator ends the run
        }
        double forward = forwardS(accepted * plan.serverForwardPerBatchS(), t0);
        double backward = 2 * forward;
        clock.advance(forward);
        clock.advance(backward);
        tally.waitedForActivations(start - it.startS);
        tally.computed(forward, backward);
        it.gradientsSentS = clock.now();
        sendGradients(iteration, clients, gone, s);
        it.backwardMaxS = it.gradientsSentS;
        return s == null ? Double.NaN : s.loss();
    }

    /**
     * The gradients of the step (null: analytic mode) to every client of {@code clients} whose activations arrived: to
     * the stepped ones through the main link (one that does not reach its client leaves it out: no backward to wait
     * for), a "left out" without payload to the others.
     */
    private void sendGradients(int iteration, int[] clients, boolean[] gone, ServerCompute.Step s) {
        List<Integer> gradientsLost = new ArrayList<>();
        int a = 0;
        for (int c : clients) {
            if (!it.arrived[c] || gone[c]) {
                continue;
            }
            ActorRef<Client.Command> client = peers.clients().get(c);
            if (it.accepted[c]) {
                byte[] g = s == null ? null : s.gradients()[a];
                a++;
                Transmission t = Transmission.of(scenario, deviceOf[c], MessageKind.GRADIENTS, plan.round(), iteration,
                        it.gradientsSentS, at -> plan.gradientDownloadS());
                if (t.delivered()) {
                    outbox.send(client, new Client.Gradients(plan.round(), iteration, true, plan.activationBits(), g,
                            t.arrivalS()));
                } else {
                    // Stepped, but its gradient does not reach it: no backward to wait for.
                    it.unaccept(c);
                    gradientsLost.add(c);
                    outbox.send(client, new Client.Gradients(plan.round(), iteration, false, 0, null, t.arrivalS()));
                }
            } else {
                outbox.send(client, new Client.Gradients(plan.round(), iteration, false, 0, null, it.gradientsSentS));
            }
        }
        tally.leftOut(gradientsLost.size());
        note(iteration, it.gradientsSentS, "message-lost", gradientsLost, "gradients of iteration " + iteration
                + " lost on the main link: no backward in this iteration");
    }

    /**
     * Over-selection: of the accepted activations of {@code clients} only the first {@code keep} to arrive stay
     * accepted (ties: lower client id); the others, returned, are left out of the iteration.
     */
    private List<Integer> keepFirst(int[] clients, int keep) {
        List<Integer> order = new ArrayList<>();
        for (int c : clients) {
            if (it.accepted[c]) {
                order.add(c);
            }
        }
        order.sort(Comparator.<Integer>comparingDouble(c -> it.arrivalS[c]).thenComparingInt(c -> c));
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
        tally.loss(s.loss());
        return s;
    }

    /** Centralized: every iteration on one mini-batch per shard, no clients, no links; the losses. */
    double[] centralized() {
        int batches = plan.centralizedBatches();
        double[] losses = new double[plan.localIterations()];
        for (int i = 0; i < plan.localIterations(); i++) {
            long t0 = System.nanoTime();
            losses[i] = compute.real() ? compute.centralizedStep(plan.round(), i, batches, plan.rank()) : Double.NaN;
            if (compute.real()) {
                tally.loss(losses[i]);
            }
            double forward = forwardS(batches * plan.serverForwardPerBatchS(), t0);
            double backward = 2 * forward;
            clock.advance(forward + backward);
            tally.computed(forward, backward);
        }
        return losses;
    }

    /**
     * The server forward delay of a step: the delay model's {@code modelS}, or (compute-delay = measured) a third of the
     * step's wall seconds since {@code startNs} times measured-scale (backward = 2 × forward, SYSTEM_MODEL §3).
     */
    private double forwardS(double modelS, long startNs) {
        return measuredScale == null ? modelS : (System.nanoTime() - startNs) / 1e9 * measuredScale / 3;
    }
}
