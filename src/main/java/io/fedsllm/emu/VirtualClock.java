package io.fedsllm.emu;

/**
 * One actor's virtual (emulated) clock, seconds (ARCHITECTURE "Time"): work starts at max(now, arrival) and
 * advances the clock by its modelled duration. Never mixed with wall time.
 */
final class VirtualClock {
    private double nowS;

    double now() {
        return nowS;
    }

    /** Work triggered by a message arriving at {@code arrivalS} starts at max(now, arrival); returns the start. */
    double startAt(double arrivalS) {
        nowS = Math.max(nowS, arrivalS);
        return nowS;
    }

    /** Busy for {@code seconds}; returns the new now. */
    double advance(double seconds) {
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException("a compute delay must be >= 0 s, got " + seconds);
        }
        nowS += seconds;
        return nowS;
    }
}
