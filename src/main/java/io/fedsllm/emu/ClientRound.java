package io.fedsllm.emu;

/**
 * A client's arithmetic of one round, kept out of its actor: the plan, the virtual clock, the link and the round's
 * totals; the tensor work goes to {@link ClientCompute}. Every virtual time follows ARCHITECTURE "Time": work starts
 * at max(now, arrival) and advances the clock by its modelled (or measured) duration times the compute factor.
 */
final class ClientRound {
    private final int id;
    private final ClientCompute compute;
    private final Double measuredScale;   // compute-delay = measured: virtual s per wall s; null = delay model
    private final VirtualClock clock = new VirtualClock();
    private int lastRound = -1;
    private Client.StartRound plan;
    private Link link;
    private int iteration;
    private double forwardS;
    private double activationUploadS;
    private double backwardS;
    private int iterationsDone;
    private int iterationsLeftOut;
    private double localLossSum;

    ClientRound(int id, ClientCompute compute, Double measuredScale) {
        this.id = id;
        this.compute = compute;
        this.measuredScale = measuredScale;
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
                ? "invalid plan values" : null;
    }

    void start(Client.StartRound m) {
        plan = m;
        lastRound = m.round();
        link = new Link(m.rateMainBps(), m.rateFedBps());
        forwardS = 0;
        activationUploadS = 0;
        backwardS = 0;
        iterationsDone = 0;
        iterationsLeftOut = 0;
        localLossSum = 0;
        iteration = -1;
        clock.startAt(m.arrivalS());
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
     * Forward of the barrier's iteration: the activations sent to the main server, or null when they are not finite
     * (the client's LoRA diverged: nothing is sent, the run must stop).
     */
    MainServer.Activations forward(Client.StartIteration m) {
        iteration = m.iteration();
        clock.startAt(m.arrivalS());
        long t0 = System.nanoTime();
        ClientCompute.Forward f = compute.forward(plan.round(), iteration);
        if (f.payload() != null && !io.fedsllm.nn.ActivationCodec.allFinite(f.payload())) {
            return null;
        }
        double forward = delayS(plan.forwardS(), t0);
        double sendS = clock.advance(forward);
        forwardS += forward;
        double arrivalS = link.activationArrivalS(sendS, plan.activationBits());
        activationUploadS += arrivalS - sendS;
        return new MainServer.Activations(plan.round(), iteration, id, plan.activationBits(), f.payload(), f.labels(),
                arrivalS);
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
        clock.startAt(m.arrivalS());
        double backward = delayS(plan.backwardS(), t0);
        clock.advance(backward);
        backwardS += backward;
        iterationsDone++;
        return new MainServer.BackwardDone(plan.round(), iteration, id, clock.now());
    }

    /** Left out of the current iteration (deadline, or no gradients in time): no backward, forward dropped. */
    void leftOut() {
        compute.discard();
        iterationsLeftOut++;
    }

    /** Federated LoRA: every iteration locally (forward + backward of the whole model); the losses. */
    double[] trainLocally() {
        double[] losses = new double[plan.localIterations()];
        for (int i = 0; i < plan.localIterations(); i++) {
            ClientCompute.LocalStep s = compute.localStep(plan.round(), i);
            double factor = plan.computeFactor();
            double forward = measuredScale == null ? plan.forwardS() * factor : s.forwardNanos() / 1e9 * measuredScale * factor;
            double backward = measuredScale == null ? plan.backwardS() * factor : s.backwardNanos() / 1e9 * measuredScale * factor;
            clock.advance(forward + backward);
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

    /** Ends the round at {@code arrivalS} (the end of local training; the clock's now when withdrawing). */
    Finish finish(double arrivalS) {
        clock.startAt(arrivalS);
        compute.discard();
        double sendS = clock.now();
        double loraUploadS = 0;
        FedServer.Command upload;
        if (iterationsDone > 0) {
            double loraArrivalS = link.loraArrivalS(sendS, plan.loraBits());
            loraUploadS = loraArrivalS - sendS;
            upload = new FedServer.Upload(plan.round(), id, compute.samples(), Blocks.range(0, plan.splitLayer()),
                    plan.loraBits(), compute.exportLora(), loraArrivalS);
        } else {
            // Nothing trained this round: no upload; the client catches up with the next global copy.
            upload = new FedServer.NoUpload(plan.round(), id, sendS);
        }
        Double localLoss = compute.real() && plan.localTraining() && iterationsDone > 0 ? localLossSum / iterationsDone : null;
        Coordinator.ClientReport report = new Coordinator.ClientReport(plan.round(), id, forwardS, activationUploadS,
                backwardS, loraUploadS, iterationsDone, iterationsLeftOut, sendS, localLoss);
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
     * A compute delay in virtual seconds, times the round's compute factor: the delay model's {@code modelS}, or
     * (compute-delay = measured) the wall seconds since {@code startNs} times measured-scale.
     */
    private double delayS(double modelS, long startNs) {
        double s = measuredScale == null ? modelS : (System.nanoTime() - startNs) / 1e9 * measuredScale;
        return s * plan.computeFactor();
    }
}
