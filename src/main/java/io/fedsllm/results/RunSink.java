package io.fedsllm.results;


/** Receives every finished round, on the recorder's thread, in round order. */
@FunctionalInterface
public interface RunSink {
    /** @param wallSeconds host time the round took (kept apart from the virtual record) */
    void round(RoundRecord record, double wallSeconds);

    /** Real mode, once when the run has ended normally (after its last round, before the result): its final LoRA. */
    default void finalLora(FinalLora lora) {}

    RunSink NONE = (r, w) -> {};
}
