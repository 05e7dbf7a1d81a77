package io.fedsllm.results;

/**
 * An event marked on the timeline chart: on a client's row, or across all rows when {@code client} is null (a
 * node event such as a server crash).
 *
 * @param client the client's id, or null for an event of no one client
 * @param timeS  virtual time, seconds
 * @param label  a short text ("crash", "fade 20 dB", ...)
 */
public record EventMark(Integer client, double timeS, String label) {}
