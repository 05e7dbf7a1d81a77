package io.fedsllm.results;

import java.util.Locale;

/**
 * One stretch of a client's round on the virtual clock, for the timeline chart: what it was doing from
 * {@code startS} to {@code endS} (virtual seconds, end ≥ start).
 */
public record ClientSpan(int client, Kind kind, double startS, double endS) {

    /** What a client does in a round (SYSTEM_MODEL §1). */
    public enum Kind {
        /** Forward pass of its segment (T_k^F). */
        FORWARD,
        /** Activation upload to the main server (T_k^A). */
        UPLOAD,
        /** Waiting: for the barrier (the main server's step on everyone's activations) or for its gradient. */
        WAIT,
        /** Backward pass of its segment (T_k^B). */
        BACKWARD,
        /** Upload of its client-side LoRA to the federated server (T_k^M). */
        LORA_UPLOAD;

        /** The label in charts: "forward", "lora upload", ... */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    public ClientSpan {
        if (!(endS >= startS) || !Double.isFinite(startS) || !Double.isFinite(endS)) {
            throw new IllegalArgumentException("span of client " + client + " (" + kind + ") from " + startS + " to "
                    + endS + " s: expected finite times, end >= start");
        }
    }

    public double durationS() {
        return endS - startS;
    }
}
