package io.fedsllm.results;

import java.util.List;

/**
 * What a round leaves besides its record: its {@code events.jsonl} lines, the clients' timeline spans and the
 * timeline's event marks (all on the virtual clock).
 */
public record RoundDetails(List<EventRecord> events, List<ClientSpan> spans, List<EventMark> marks) {
    public static final RoundDetails NONE = new RoundDetails(List.of(), List.of(), List.of());

    public RoundDetails {
        events = List.copyOf(events);
        spans = List.copyOf(spans);
        marks = List.copyOf(marks);
    }
}
