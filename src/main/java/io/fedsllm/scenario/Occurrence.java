package io.fedsllm.scenario;

import io.fedsllm.results.EventRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Something a scenario makes happen at one point of the run: an instantaneous event fires (a crash, a server crash,
 * a device leaving or joining), a timed effect starts or ends, or a crashed client rejoins.
 *
 * @param at      where it happens (on the clock of the event's trigger)
 * @param phase   what happens
 * @param event   the scenario event it comes from
 * @param clients the clients (devices) concerned, ascending; empty for node events
 */
public record Occurrence(Trigger at, Phase phase, ScenarioEvent event, List<Integer> clients) {

    public enum Phase {
        /** An instantaneous event: crash-client, crash-main-server, crash-fed-server, leave, join. */
        FIRED,
        /** A timed effect comes into force. */
        STARTED,
        /** A timed effect ends (not for {@code duration = forever}). */
        ENDED,
        /** The clients of a crash-client with rejoin-after come back. */
        REJOINED;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Occurrence {
        clients = List.copyOf(clients);
    }

    /**
     * Its {@code events.jsonl} line: fired at {@code where} (round, iteration, virtual time), with {@code effect}
     * (what the emulator did about it, or null) and the event's description as details.
     */
    public EventRecord record(Position where, String effect) {
        Map<String, Object> details = describe();
        String node = event instanceof ScenarioEvent.CrashServer c ? c.node().configName()
                : event instanceof ScenarioEvent.PartitionNode n ? n.node().configName() : null;
        return EventRecord.of(where.round(), where.iteration(), where.timeS(), event.type().configName(), phase.configName(),
                clients, node, effect, details);
    }

    /** The fields of its {@code events.jsonl} details: the event's description, the phase and where it happened. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>(event.describe());
        m.put("phase", phase.configName());
        Map<String, Object> where = at.describe();
        where.forEach((k, v) -> m.put("occurs" + Character.toUpperCase(k.charAt(0)) + k.substring(1), v));
        return m;
    }
}
