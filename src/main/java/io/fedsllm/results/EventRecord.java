package io.fedsllm.results;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One line of {@code events.jsonl}: something that happened in the run and what it did, virtual values only (same
 * seed ⇒ same lines). Scenario events (a crash fired, a fade started, a client rejoined) and what the emulator did
 * about them or about stragglers (who was left out, how long a barrier waited, what the planner changed).
 *
 * @param round        global round it happened in
 * @param iteration    local iteration (I = the LoRA phase), or null for the round as a whole
 * @param virtualTimeS when, virtual seconds
 * @param type         a scenario event type ("crash-client", "link-fade", ...) or an emulator event ("deadline",
 *                     "barrier-wait", "plan-change", ...)
 * @param phase        "fired", "started", "ended", "rejoined" for scenario events; free for emulator events
 * @param clients      the clients concerned, ascending (empty for none)
 * @param node         the node concerned ("main-server", ...), or null
 * @param effect       what it did, in words ("left out of iteration 3", "barrier waited 2.310 s", ...), or null
 * @param details      further fields (the scenario event's description, numbers), sorted by key
 */
public record EventRecord(int round, Integer iteration, double virtualTimeS, String type, String phase,
        List<Integer> clients, String node, String effect, SortedMap<String, Object> details) {

    public EventRecord {
        clients = List.copyOf(clients);
        details = Collections.unmodifiableSortedMap(new TreeMap<>(details));
    }

    /** A record with {@code details} in any map (copied, sorted by key). */
    public static EventRecord of(int round, Integer iteration, double virtualTimeS, String type, String phase,
            List<Integer> clients, String node, String effect, Map<String, Object> details) {
        return new EventRecord(round, iteration, virtualTimeS, type, phase, clients, node, effect, new TreeMap<>(details));
    }
}
