package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.train.LoraBlocks;
import java.util.ArrayList;
import java.util.List;

/**
 * The federated server's bookkeeping of one round, kept out of its actor: who is expected to upload, who did (with
 * |D_k| and arrival), the split-learning relay, and the aggregation in client-id order. The actor owns the phases,
 * the block hand-over and the timers.
 */
final class FedRound {
    private final FedServer.Configure plan;
    private final boolean[] lost;
    private final boolean[] expected;
    private final boolean[] reported;
    private final boolean[] uploaded;
    private final int[] samples;
    private final double[] arrivalS;
    private final LoraBlocks[] uploads;
    private int expectedCount;
    private int reportedCount;
    private long bytesFed;
    private int relayIndex;        // split learning: position in the participants of the upload awaited next
    private double relayAtS;
    private byte[] relayWeights;   // split learning: the LoRA handed on next
    private final int[] deviceOf;  // by client id: the device it is in this round
    private final List<Note> notes = new ArrayList<>();

    FedRound(FedServer.Configure plan, boolean[] lost) {
        int k = lost.length;
        this.plan = plan;
        this.deviceOf = new int[k];
        for (int i = 0; i < plan.participants().size(); i++) {
            deviceOf[plan.participants().get(i)] = plan.devices().get(i);
        }
        this.lost = lost;
        this.expected = new boolean[k];
        this.reported = new boolean[k];
        this.uploaded = new boolean[k];
        this.samples = new int[k];
        this.arrivalS = new double[k];
        this.uploads = new LoraBlocks[k];
        this.relayAtS = plan.startS();
        for (int c : plan.participants()) {
            expected[c] = !lost[c];
            if (expected[c]) {
                expectedCount++;
            }
        }
    }

    FedServer.Configure plan() {
        return plan;
    }

    /** The device client {@code client} is in this round. */
    int device(int client) {
        return deviceOf[client];
    }

    void note(Note n) {
        notes.add(n);
    }

    /** What the server noted in this round (lost broadcasts and uploads), in the order noted. */
    List<Note> notes() {
        return List.copyOf(notes);
    }

    boolean sequential() {
        return plan.scheme() == Scheme.SL;
    }

    /** Why a client's report (upload or none) is not acceptable now, or null. */
    String checkReport(int round, int client) {
        if (round != plan.round()) {
            return "report for round " + round + " unexpected";
        }
        if (client < 0 || client >= lost.length || !expected[client]) {
            return "client " + client + " is not a participant of round " + round;
        }
        if (reported[client]) {
            return "duplicate report from client " + client;
        }
        if (sequential() && plan.participants().get(relayIndex) != client) {
            return "client " + client + " reports out of turn";
        }
        return null;
    }

    /** An accepted upload (checked by the actor; {@code lora} null in analytic mode). */
    void upload(FedServer.Upload m, LoraBlocks lora) {
        reported[m.client()] = true;
        uploaded[m.client()] = true;
        samples[m.client()] = m.samples();
        arrivalS[m.client()] = m.arrivalS();
        uploads[m.client()] = lora;
        reportedCount++;
        bytesFed += m.bits() / 8;
        if (sequential()) {
            relayIndex++;
            relayAtS = m.arrivalS();
            relayWeights = m.weights();
        }
    }

    /** A client that trained nothing (or, with {@code silent}, sent nothing in time): no weights to average. */
    void noUpload(int client) {
        reported[client] = true;
        reportedCount++;
        if (sequential()) {
            relayIndex++;
        }
    }

    /** A client found dead: not awaited any more. True when it was the one whose turn it is (sl). */
    boolean lose(int client) {
        if (!expected[client] || reported[client]) {
            return false;
        }
        expected[client] = false;
        expectedCount--;
        if (sequential() && relayIndex < plan.participants().size() && plan.participants().get(relayIndex) == client) {
            relayIndex++;
            return true;
        }
        return false;
    }

    /** Split learning: the live client whose turn is next, or -1; the LoRA handed to it and when. */
    int nextInTurn() {
        List<Integer> p = plan.participants();
        while (relayIndex < p.size() && lost[p.get(relayIndex)]) {
            relayIndex++;
        }
        return relayIndex < p.size() ? p.get(relayIndex) : -1;
    }

    double relayAtS() {
        return relayAtS;
    }

    /** The LoRA handed on in split learning (null: the global copy). */
    byte[] relayWeights() {
        return relayWeights;
    }

    void relayWeights(byte[] weights) {
        relayWeights = weights;
    }

    boolean complete() {
        return reportedCount >= expectedCount;
    }

    /** The participants still awaited. */
    List<Integer> awaited() {
        List<Integer> out = new ArrayList<>();
        for (int c : plan.participants()) {
            if (expected[c] && !reported[c]) {
                out.add(c);
            }
        }
        return out;
    }

    /** The aggregation's inputs and report, in client-id order. */
    record Aggregation(List<Integer> contributors, List<Double> weights, List<LoraBlocks> uploads, List<Integer> samples,
            double endS, long bytesFed) {}

    Aggregation aggregation() {
        List<Integer> contributors = new ArrayList<>();
        List<LoraBlocks> in = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        long total = 0;
        double endS = plan.startS();
        for (int c : plan.participants()) {
            if (uploaded[c] && !lost[c]) {
                contributors.add(c);
                in.add(uploads[c]);
                counts.add(samples[c]);
                total += samples[c];
                endS = Math.max(endS, arrivalS[c]);
            }
        }
        List<Double> weights = new ArrayList<>(contributors.size());
        for (int i = 0; i < contributors.size(); i++) {
            // Split learning has no averaging: the global copy is the last client's LoRA.
            weights.add(sequential() ? (i == contributors.size() - 1 ? 1.0 : 0.0) : (double) counts.get(i) / total);
        }
        return new Aggregation(contributors, weights, in, counts, endS, bytesFed);
    }
}
