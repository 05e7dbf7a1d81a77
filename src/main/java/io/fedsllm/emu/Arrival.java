package io.fedsllm.emu;

/**
 * A protocol message stamped with the virtual time at which it arrives (ARCHITECTURE "Time"), seconds. Every
 * actor rejects, before anything else, a message whose arrival is not a virtual time: NaN, infinite or negative.
 */
public interface Arrival {
    double arrivalS();

    /** True for a message carrying an arrival time that is not finite and >= 0 (the actors' first check). */
    static boolean isInvalid(Object message) {
        return message instanceof Arrival a && why(a) != null;
    }

    /** Why the message's arrival time is not a virtual time, or null when it is one. */
    static String why(Arrival message) {
        double s = message.arrivalS();
        return Double.isFinite(s) && s >= 0 ? null : "arrival time " + s + " s is not a virtual time (finite, >= 0)";
    }
}
