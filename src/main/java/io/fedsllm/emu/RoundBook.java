package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.plan.RoundPlan;
import io.fedsllm.results.RoundRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's book of one global round, kept out of its actor: the plan, which client actor is which device of
 * the plan, the reports as they arrive (one per party), whether the round is complete, and the {@link RoundRecord}
 * built from them (virtual values only, by device).
 */
final class RoundBook {
    final RoundPlan plan;
    final double startS;
    final long wallStartNs;
    private final int[] slotOf;                         // by share index: the client actor that is that device
    private final Coordinator.ClientReport[] reports;   // by client actor id
    private final boolean[] expecting;
    private int reportsPending;
    Coordinator.ServerReady serverReady;
    Coordinator.FedReady fedReady;
    Coordinator.IterationsDone iterationsDone;
    Coordinator.Aggregated aggregated;
    Coordinator.Evaluated evaluated;
    boolean evaluating;
    boolean uploadsDue;
    int lastIteration = -1;

    /**
     * @param clients the client actors of the run
     * @param slotOf  by share of the plan (in its order): the client actor that is that share's device this round
     */
    RoundBook(RoundPlan plan, double startS, int clients, int[] slotOf) {
        this.plan = plan;
        this.startS = startS;
        this.wallStartNs = System.nanoTime();
        this.slotOf = slotOf.clone();
        this.reports = new Coordinator.ClientReport[clients];
        this.expecting = new boolean[clients];
        this.deviceOf = new int[clients];
        java.util.Arrays.fill(deviceOf, -1);
        for (int i = 0; i < slotOf.length; i++) {
            expecting[slotOf[i]] = true;
            deviceOf[slotOf[i]] = plan.shares().get(i).client();
            reportsPending++;
        }
    }

    private final int[] deviceOf;   // by client actor id: the device it is this round (-1: none)

    /** The device client actor {@code slot} is in this round, or −1. */
    int device(int slot) {
        return slot >= 0 && slot < deviceOf.length ? deviceOf[slot] : -1;
    }

    int round() {
        return plan.round();
    }

    /**
     * Takes a party's report of this round (a server ready, the iterations' end, the aggregation, the evaluation, a
     * client's totals, an iteration's progress); why it is not expected, or null when it was taken.
     */
    String take(Coordinator.Command m) {
        if (m instanceof Coordinator.ClientReport r) {
            return r.round() != round() ? "unexpected report of client " + r.client() + " for round " + r.round() : report(r);
        }
        if (m instanceof Coordinator.IterationProgress p && p.round() == round()) {
            lastIteration = p.iteration();
            return null;
        }
        if (m instanceof Coordinator.ServerReady r && r.round() == round() && serverReady == null) {
            serverReady = r;
        } else if (m instanceof Coordinator.FedReady r && r.round() == round() && fedReady == null) {
            fedReady = r;
        } else if (m instanceof Coordinator.IterationsDone r && r.round() == round() && iterationsDone == null) {
            iterationsDone = r;
        } else if (m instanceof Coordinator.Aggregated r && r.round() == round() && aggregated == null) {
            aggregated = r;
        } else if (m instanceof Coordinator.Evaluated r && r.round() == round() && evaluating && evaluated == null) {
            evaluated = r;
        } else {
            return "unexpected " + m.getClass().getSimpleName() + " for this round (" + round() + ")";
        }
        return null;
    }

    /** Why a client's report is not expected, or null (then it is kept). */
    private String report(Coordinator.ClientReport m) {
        if (m.client() < 0 || m.client() >= reports.length || !expecting[m.client()] || reports[m.client()] != null) {
            return "unexpected report of client " + m.client() + " for round " + m.round();
        }
        if (m.device() != deviceOf[m.client()]) {
            return "client " + m.client() + " reports as device " + m.device() + ", it is device " + deviceOf[m.client()];
        }
        reports[m.client()] = m;
        reportsPending--;
        return null;
    }

    /** A client will not report (dead, or silent past the timeout). True when it was still awaited. */
    boolean forget(int client) {
        if (client < expecting.length && expecting[client] && reports[client] == null) {
            expecting[client] = false;
            reportsPending--;
            return true;
        }
        return false;
    }

    /** The clients whose reports are still awaited. */
    List<Integer> awaitedClients() {
        List<Integer> out = new ArrayList<>();
        for (int slot : slotOf) {
            if (expecting[slot] && reports[slot] == null) {
                out.add(slot);
            }
        }
        return out;
    }

    boolean clientsDone() {
        return reportsPending == 0;
    }

    /** Every party reported (the evaluation aside). */
    boolean partiesDone() {
        return reportsPending == 0 && iterationsDone != null && aggregated != null && serverReady != null && fedReady != null;
    }

    /**
     * The round's training loss: the main server's mean step loss, or (federated LoRA, whose steps run on the clients)
     * the mean of the clients' local losses in client-id order; null in analytic mode.
     */
    Double trainLoss() {
        if (plan.scheme() != Scheme.FL) {
            return iterationsDone.trainLoss();
        }
        double sum = 0;
        int n = 0;
        for (Coordinator.ClientReport r : reports) {
            if (r != null && r.localTrainLoss() != null) {
                sum += r.localTrainLoss();
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }

    /** The clients' timeline spans of the round, in plan order. */
    List<io.fedsllm.results.ClientSpan> spans() {
        List<io.fedsllm.results.ClientSpan> out = new ArrayList<>();
        for (int slot : slotOf) {
            if (reports[slot] != null) {
                out.addAll(reports[slot].spans());
            }
        }
        return out;
    }

    /** The round's record; {@code dropped} = devices found dead during it. */
    RoundRecord record(List<Integer> dropped) {
        double endS = Math.max(iterationsDone.endS(), aggregated.endS());
        Map<Integer, Double> weights = new HashMap<>();
        for (int i = 0; i < aggregated.contributors().size(); i++) {
            weights.put(aggregated.contributors().get(i), aggregated.weights().get(i));
        }
        List<RoundRecord.ClientRound> perClient = new ArrayList<>();
        Integer slowest = null;
        double slowestS = -1;
        double localEndS = startS;
        int leftOut = 0;
        for (int i = 0; i < slotOf.length; i++) {
            RoundPlan.ClientShare s = plan.shares().get(i);
            Coordinator.ClientReport r = reports[slotOf[i]];
            if (r == null) {
                continue;
            }
            perClient.add(new RoundRecord.ClientRound(r.device(), r.forwardS(), r.activationUploadS(), r.backwardS(),
                    r.loraUploadS(), s.subchannelsMain(), s.subchannelsFed(), r.iterationsDone(), r.iterationsLeftOut(),
                    weights.getOrDefault(r.client(), 0.0)));
            double busy = r.forwardS() + r.activationUploadS() + r.backwardS() + r.loraUploadS();
            if (busy > slowestS) {
                slowestS = busy;
                slowest = r.device();
            }
            localEndS = Math.max(localEndS, r.doneS());
            leftOut += r.iterationsLeftOut();
        }
        RoundRecord.Breakdown b;
        if (plan.scheme() == Scheme.FL) {
            b = new RoundRecord.Breakdown(localEndS - startS, 0, 0, 0, endS - localEndS);
        } else {
            b = new RoundRecord.Breakdown(plan.dataUpload().durationS(), iterationsDone.t1S(),
                    iterationsDone.serverForwardS(), iterationsDone.serverBackwardS(), iterationsDone.t2S(),
                    endS - iterationsDone.endS());
        }
        return new RoundRecord(plan.round(), startS, endS, plan.plannedRoundS(), plan.splitLayer(), plan.rank(),
                plan.participants().length, List.copyOf(dropped), trainLoss(), evaluated == null ? null : evaluated.valLoss(),
                iterationsDone.bytesMain() + plan.dataUpload().totalBytes(), aggregated.bytesFed(), b, leftOut, slowest,
                perClient);
    }
}
