package io.fedsllm.emu;

import java.util.Arrays;
import java.util.List;

/**
 * The main server's account of one round, kept out of {@link ServerRound} and {@link ServerSteps}, which both add to
 * it: T1 (from an iteration's start to its server step) and T2 (from the gradients to the backward barrier), the
 * server's forward and backward, the bytes of activations received, the client-iterations left out, the training
 * loss of the steps and when each local iteration first started; the coordinator's {@link Coordinator.IterationsDone}.
 */
final class ServerTally {
    private final double[] iterationStartS;   // when each local iteration first started (NaN: not yet)
    private double t1S;
    private double serverForwardS;
    private double serverBackwardS;
    private double t2S;
    private long bytesMain;
    private int leftOut;
    private double lossSum;
    private int lossSteps;

    ServerTally(int localIterations) {
        this.iterationStartS = new double[localIterations];
        Arrays.fill(iterationStartS, Double.NaN);
    }

    /** Local iteration {@code iteration} starts at {@code startS} (only its first start counts: sl has one per turn). */
    void iterationStarted(int iteration, double startS) {
        if (Double.isNaN(iterationStartS[iteration])) {
            iterationStartS[iteration] = startS;
        }
    }

    /** Activations of {@code bits} received on the main link. */
    void received(long bits) {
        bytesMain += bits / 8;
    }

    /** A server step began {@code waitS} after its iteration started (T1). */
    void waitedForActivations(double waitS) {
        t1S += waitS;
    }

    /** The server computed: {@code forwardS} and {@code backwardS} of virtual time. */
    void computed(double forwardS, double backwardS) {
        serverForwardS += forwardS;
        serverBackwardS += backwardS;
    }

    /** The backward barrier passed {@code waitS} after the gradients left (T2). */
    void waitedForBackward(double waitS) {
        t2S += waitS;
    }

    /** A real step's training loss. */
    void loss(double loss) {
        lossSum += loss;
        lossSteps++;
    }

    /** {@code count} more client-iterations left out. */
    void leftOut(int count) {
        leftOut += count;
    }

    /** The report of round {@code round}, whose iterations ended at {@code endS}. */
    Coordinator.IterationsDone report(int round, double endS, byte[] serverLora, List<Note> notes) {
        return new Coordinator.IterationsDone(round, endS, t1S, serverForwardS, serverBackwardS, t2S, bytesMain,
                leftOut, lossSteps > 0 ? lossSum / lossSteps : null, serverLora,
                Arrays.stream(iterationStartS).boxed().toList(), List.copyOf(notes));
    }
}
