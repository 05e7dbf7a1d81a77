package io.fedsllm.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When a timed effect (slow client, fade, outage, drops, partition) is in force: from its trigger, for a duration
 * on the trigger's clock — [start, end), or from the start on for {@code duration = forever}.
 *
 * @param start    the trigger
 * @param end      the first position no longer covered (same clock as {@code start}); null = forever
 * @param unit     the duration's unit as the file gave it: "s", "rounds", "iterations" or "forever"
 * @param duration the duration's value in that unit; null for forever
 */
public record Window(Trigger start, Trigger end, String unit, Double duration) {

    /** Whether the effect is in force at {@code p}. */
    public boolean covers(Position p) {
        return start.reachedBy(p) && (end == null || !end.reachedBy(p));
    }

    /** The window as fields of an {@code events.jsonl} line. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>(start.describe());
        m.put("durationUnit", unit);
        if (duration != null) {
            m.put("duration", duration);
        }
        return m;
    }
}
