package io.fedsllm.results;


/** Receives every finished round, on the recorder's thread, in round order. */
@FunctionalInterface
public interface RunSink {
    /** @param wallSeconds host time the round took (kept apart from the virtual record) */
    void round(RoundRecord record, double wallSeconds);

    /** Real mode, once when the run has ended normally (after its last round, before the result): its final LoRA. */
    default void finalLora(FinalLora lora) {}

    /** As {@link #round(RoundRecord, double)}, with the round's events and timeline (by default only the record). */
    default void round(RoundRecord record, double wallSeconds, RoundDetails details) {
        round(record, wallSeconds);
    }

    /**
     * The state at the end of round {@code round} (file name → bytes), written after the round's record so that a
     * run can resume from it; by default not kept.
     */
    default void checkpoint(int round, java.util.Map<String, byte[]> files) {}

    RunSink NONE = (r, w) -> {};
}
