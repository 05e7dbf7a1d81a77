package io.fedsllm.emu;

/** How a failure is told in a message: "SimpleName: message" (the stack trace stays in the log where it happened). */
final class RunFailure {
    private RunFailure() {}

    /**
     * "SimpleName: message" of a failure, or of its cause when it only wraps one (no message of its own, or Pekko's
     * wrapper of an exception thrown while an actor was created).
     */
    static String describe(Throwable t) {
        boolean wrapper = t.getMessage() == null || t instanceof org.apache.pekko.actor.ActorInitializationException;
        Throwable shown = wrapper && t.getCause() != null ? t.getCause() : t;
        return shown.getClass().getSimpleName() + (shown.getMessage() == null ? "" : ": " + shown.getMessage());
    }
}
