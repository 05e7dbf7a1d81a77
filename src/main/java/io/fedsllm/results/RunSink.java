package io.fedsllm.results;


/** Receives every finished round, on the coordinator's thread, in round order. */
@FunctionalInterface
public interface RunSink {
    /** @param wallSeconds host time the round took (kept apart from the virtual record) */
    void round(RoundRecord record, double wallSeconds);

    RunSink NONE = (r, w) -> {};
}
