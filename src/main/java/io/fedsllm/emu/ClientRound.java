package io.fedsllm.emu;

import io.fedsllm.cost.DelayModel;
import io.fedsllm.plan.LinkAllocation;
import io.fedsllm.results.ClientSpan;
import io.fedsllm.scenario.Link;
import io.fedsllm.scenario.MessageKind;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's arithmetic of one round, kept out of its actor: the plan, the virtual clock, its links under the
 * scenario, the round's totals and its timeline spans; the tensor work goes to {@link ClientCompute}. Every virtual
 * time follows ARCHITECTURE "Time": work starts at max(now, arrival) and advances the clock by its modelled (or
 * measured) duration times the compute factor — the plan's, times the scenario's slow-client factor in force when
 * the work starts. An upload's rate is the plan's, or, when a link fade in force when it starts differs from the
 * one the plan saw at the round start, the rate the planned powers reach through it ({@link LinkAllocation#rateBps(double)});
 * outages and drops are the {@link Transmission}'s.
 */
final class ClientRound {
    private final int id;
    private final ClientCompute compute;
    private final Double measuredScale;   // compute-delay = measured: virtual s per wall s; null = delay model
    private final Scenario scenario;
    private final boolean keepSpans;
    private final VirtualClock clock = new VirtualClock();
    private int lastRound = -1;
    private Client.StartRound plan;
    private double fadeMainAtStartDb;
    private double fadeFedAtStartDb;
    private int iteration;
    private double forwardS;
    private double activationUploadS;
    private double backwardS;
    private int iterationsDone;
    private int iterationsLeftOut;
    private double localLossSum;
    private double uploadArrivalS;
    private List<ClientSpan> spans = new ArrayList<>();

    ClientRound(int id, ClientCompute compute, Double measuredScale, Scenario scenario, boolean keepSpans) {
        this.id = id;
        this.compute = compute;
        this.measuredScale = measuredScale;
        this.scenario = scenario;
        this.keepSpans = keepSpans;
    }

    /** The round in progress (null between rounds). */
    Client.StartRound plan() {
        return plan;
    }

    int lastRound() {
        return lastRound;
    }

    /** The iteration last started (−1 before the first). */
    int iteration() {
        return iteration;
    }

    /** Why the plan cannot be run, or null. */
    static String check(Client.StartRound m) {
        return m.localIterations() < 1 || !(m.forwardS() >= 0) || !(m.backwardS() >= 0) || m.loraBits() < 0
                || m.activationBits() < 0 || !(m.computeFactor() > 0) || !Double.isFinite(m.computeFactor())
                || m.device() < 0 ? "invalid plan values" : null;
    }

    /** Starts the round of plan {@code m}; why this client cannot be its device, or null. */
    String start(Client.StartRound m) {
        String bad = compute.host(m.device());
        if (bad != null) {
            return bad;
        }
        plan = m;
        lastRound = m.round();
        forwardS = 0;
        activationUploadS = 0;
        backwardS = 0;
        iterationsDone = 0;
        iterationsLeftOut = 0;
        localLossSum = 0;
        iteration = -1;
        spans = new ArrayList<>();
        clock.startAt(m.arrivalS());
        Position start = Position.roundStart(m.round(), m.arrivalS());
        fadeMainAtStartDb = scenario.extraLossDb(m.device(), Link.MAIN, start);
        fadeFedAtStartDb = scenario.extraLossDb(m.device(), Link.FED, start);
        return null;
    }

    /**
     * Whether the device is still in the round at iteration {@code iteration} (I: the LoRA phase) when a message
     * arriving at {@code atS} is handled: a scripted crash in force stops the client ({@link ScriptedCrash}, thrown);
     * false when the device has left the population (it then withdraws).
     */
    boolean stillIn(int iteration, double atS) {
        Position p = new Position(plan.round(), iteration, Math.max(clock.now(), atS));
        ScenarioEvent.CrashClient crash = scenario.crashOf(plan.device(), p);
        if (crash != null) {
            throw new ScriptedCrash(new ScriptedCrash.Info(crash.line(), p.round(), p.iteration(), p.timeS()));
        }
        return scenario.present(plan.device(), p);
    }

    /** Takes the global copy for the round; why it does not fit the plan, or null. */
    String adopt(Client.GlobalLora g) {
        if (g.splitLayer() != plan.splitLayer()) {
            return "global LoRA split " + g.splitLayer() + " differs from the plan's " + plan.splitLayer();
        }
        if (!g.blocks().equals(Blocks.range(0, g.splitLayer()))) {
            return "global LoRA blocks " + g.blocks() + " are not the client segment 0.." + (g.splitLayer() - 1);
        }
        String bad = compute.adopt(g.weights(), plan.splitLayer(), plan.rank(), plan.localTraining());
        if (bad == null) {
            clock.startAt(g.arrivalS());
        }
        return bad;
    }

    /**
     * Forward of the barrier's iteration: the activations sent to the main server (a lost upload is a marker without
     * payload), or null when they are not finite (the client's LoRA diverged: nothing is sent, the run must stop).
     */
    MainServer.Activations forward(Client.StartIteration m) {
        iteration = m.iteration();
        double start = clock.startAt(m.arrivalS());
        long t0 = System.nanoTime();
        ClientCompute.Forward f = compute.forward(plan.round(), iteration);
        if (f.payload() != null && !io.fedsllm.nn.ActivationCodec.allFinite(f.payload())) {
            return null;
        }
        double forward = delayS(plan.forwardS(), t0, start);
        double sendS = clock.advance(forward);
        forwardS += forward;
        span(ClientSpan.Kind.FORWARD, start, sendS);
        Transmission t = Transmission.of(scenario, plan.device(), MessageKind.ACTIVATIONS, plan.round(), iteration, sendS,
                at -> DelayModel.transferS(plan.activationBits(), rateBps(Link.MAIN, at)));
        activationUploadS += t.arrivalS() - sendS;
        uploadArrivalS = t.arrivalS();
        span(ClientSpan.Kind.UPLOAD, sendS, t.arrivalS());
        return t.delivered()
                ? new MainServer.Activations(plan.round(), iteration, id, plan.activationBits(), f.payload(), f.labels(),
                        false, t.arrivalS())
                : new MainServer.Activations(plan.round(), iteration, id, plan.activationBits(), null, null, true,
                        t.arrivalS());
    }

    /** Why gradients of the current iteration cannot be applied, or null (then {@link #backward} may run). */
    String check(Client.Gradients m) {
        if (m.accepted() && m.bits() != plan.activationBits()) {
            return "gradient size " + m.bits() + " bits, expected " + plan.activationBits();
        }
        return null;
    }

    /** Backward with the server's gradients; a malformed payload is an IllegalArgumentException (forward kept). */
    MainServer.BackwardDone backward(Client.Gradients m) {
        long t0 = System.nanoTime();
        compute.backward(m.payload());
        double start = clock.startAt(m.arrivalS());
        span(ClientSpan.Kind.WAIT, uploadArrivalS, start);
        double backward = delayS(plan.backwardS(), t0, start);
        clock.advance(backward);
        backwardS += backward;
        span(ClientSpan.Kind.BACKWARD, start, clock.now());
        iterationsDone++;
        return new MainServer.BackwardDone(plan.round(), iteration, id, clock.now());
    }

    /**
     * Left out of the current iteration (deadline, over-selection, a lost message, or no gradients in time), told at
     * {@code atS}: no backward, forward dropped.
     */
    void leftOut(double atS) {
        compute.discard();
        iterationsLeftOut++;
        span(ClientSpan.Kind.WAIT, uploadArrivalS, Math.max(uploadArrivalS, atS));
    }

    /**
     * Federated LoRA: every iteration locally (forward + backward of the whole model); the losses of the iterations
     * done. Stops early, with fewer losses, when the device leaves the population.
     */
    double[] trainLocally() {
        double[] losses = new double[plan.localIterations()];
        for (int i = 0; i < plan.localIterations(); i++) {
            if (!stillIn(i, clock.now())) {
                return java.util.Arrays.copyOf(losses, i);
            }
            double start = clock.now();
            ClientCompute.LocalStep s = compute.localStep(plan.round(), i);
            double factor = plan.computeFactor() * scenario.computeFactor(plan.device(),
                    new Position(plan.round(), i, start));
            double forward = measuredScale == null ? plan.forwardS() * factor : s.forwardNanos() / 1e9 * measuredScale * factor;
            double backward = measuredScale == null ? plan.backwardS() * factor : s.backwardNanos() / 1e9 * measuredScale * factor;
            clock.advance(forward + backward);
            span(ClientSpan.Kind.FORWARD, start, start + forward);
            span(ClientSpan.Kind.BACKWARD, start + forward, clock.now());
            forwardS += forward;
            backwardS += backward;
            iterationsDone++;
            localLossSum += s.loss();
            losses[i] = s.loss();
        }
        return losses;
    }

    /** The end of the round's local training: the upload (or none) for the federated server and the report. */
    record Finish(FedServer.Command upload, Coordinator.ClientReport report) {}

    /**
     * Ends the round at {@code arrivalS} (the end of local training; the clock's now when withdrawing). A client that
     * trained nothing, or {@code withdraws} (left the population, lost the global copy), uploads nothing.
     */
    Finish finish(double arrivalS, boolean withdraws) {
        clock.startAt(arrivalS);
        compute.discard();
        double sendS = clock.now();
        double loraUploadS = 0;
        FedServer.Command upload;
        if (iterationsDone > 0 && !withdraws) {
            int phase = plan.localIterations();
            Transmission t = Transmission.of(scenario, plan.device(), MessageKind.LORA_UPLOAD, plan.round(), phase, sendS,
                    at -> DelayModel.transferS(plan.loraBits(), rateBps(Link.FED, at)));
            loraUploadS = t.arrivalS() - sendS;
            span(ClientSpan.Kind.LORA_UPLOAD, sendS, t.arrivalS());
            upload = t.delivered()
                    ? new FedServer.Upload(plan.round(), id, compute.samples(), Blocks.range(0, plan.splitLayer()),
                            plan.loraBits(), compute.exportLora(), t.arrivalS())
                    : new FedServer.NoUpload(plan.round(), id, true, t.arrivalS());
        } else {
            // Nothing trained this round: no upload; the client catches up with the next global copy.
            upload = new FedServer.NoUpload(plan.round(), id, false, sendS);
        }
        Double localLoss = compute.real() && plan.localTraining() && iterationsDone > 0 ? localLossSum / iterationsDone : null;
        Coordinator.ClientReport report = new Coordinator.ClientReport(plan.round(), id, plan.device(), forwardS,
                activationUploadS, backwardS, loraUploadS, iterationsDone, iterationsLeftOut, sendS, localLoss,
                keepSpans ? List.copyOf(spans) : List.of());
        plan = null;
        return new Finish(upload, report);
    }

    /** Continues after a checkpoint of round {@code lastRound}: no round in progress. */
    void restore(int lastRound) {
        compute.discard();
        plan = null;
        this.lastRound = lastRound;
    }

    /** The coordinator moved on to a later round: this one's work is dropped. */
    void abandon() {
        compute.discard();
        plan = null;
    }

    double now() {
        return clock.now();
    }

    /**
     * The rate of an upload on {@code link} starting at {@code atS}: the plan's, unless the scenario's fade then differs
     * from the one the plan saw at the round start.
     */
    private double rateBps(Link link, double atS) {
        boolean main = link == Link.MAIN;
        double planned = main ? plan.rateMainBps() : plan.rateFedBps();
        LinkAllocation allocation = main ? plan.main() : plan.fed();
        if (allocation == null) {
            return planned;
        }
        int phase = Math.max(iteration, 0);
        double delta = scenario.extraLossDb(plan.device(), link, new Position(plan.round(), main ? phase
                : plan.localIterations(), atS)) - (main ? fadeMainAtStartDb : fadeFedAtStartDb);
        return delta == 0 ? planned : allocation.rateBps(delta);
    }

    /**
     * A compute delay in virtual seconds starting at {@code startS}, times the plan's compute factor and the scenario's
     * in force then: the delay model's {@code modelS}, or (compute-delay = measured) the wall seconds since
     * {@code startNs} times measured-scale.
     */
    private double delayS(double modelS, long startNs, double startS) {
        double s = measuredScale == null ? modelS : (System.nanoTime() - startNs) / 1e9 * measuredScale;
        return s * plan.computeFactor() * scenario.computeFactor(plan.device(),
                new Position(plan.round(), Math.max(iteration, 0), startS));
    }

    private void span(ClientSpan.Kind kind, double startS, double endS) {
        if (keepSpans) {
            spans.add(new ClientSpan(plan.device(), kind, startS, endS));
        }
    }
}
