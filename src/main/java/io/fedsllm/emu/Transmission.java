package io.fedsllm.emu;

import io.fedsllm.scenario.MessageKind;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import java.util.function.DoubleUnaryOperator;

/**
 * One message on a client's link under the run's scenario (docs/scenarios.md): an outage in force when it is sent
 * holds it until the outage ends (an outage without an end on the virtual clock loses it), and a drop-messages draw
 * may lose it. Whoever sends evaluates it — the client for its uploads, the servers for gradients and the global
 * copy — and a lost message still travels, as a marker the receiver takes for a corrupted frame at the time the
 * message would have arrived, so nothing waits in wall time for a message that will not come.
 *
 * @param startS   when the transmission starts (after an outage), virtual s
 * @param arrivalS when it arrives, or would have (lost)
 * @param lost     null when delivered, else why not: "outage" or "dropped"
 */
record Transmission(double startS, double arrivalS, String lost) {

    /**
     * @param device     the client's device id
     * @param iteration  the local iteration (I for the LoRA upload; 0 for the round's broadcast)
     * @param durationS  the transfer time of a transmission starting at the given virtual time
     */
    static Transmission of(Scenario scenario, int device, MessageKind kind, int round, int iteration, double sendS,
            DoubleUnaryOperator durationS) {
        if (scenario.isEmpty()) {
            return new Transmission(sendS, sendS + durationS.applyAsDouble(sendS), null);
        }
        double end = scenario.outageEndS(device, kind.link(), new Position(round, iteration, sendS));
        if (end == Double.POSITIVE_INFINITY) {
            return new Transmission(sendS, sendS, "outage");
        }
        double start = Math.max(sendS, end);
        double arrival = start + durationS.applyAsDouble(start);
        return new Transmission(start, arrival, scenario.dropped(device, kind, new Position(round, iteration, start))
                ? "dropped" : null);
    }

    boolean delivered() {
        return lost == null;
    }
}
