package io.fedsllm.emu;

import io.fedsllm.results.EventRecord;
import java.util.List;
import java.util.Map;

/**
 * Something a party saw happen in a round that a researcher wants in {@code events.jsonl}: a client left out by the
 * deadline or by over-selection, a message lost, a barrier held up by a client under a scenario effect, a plan that
 * changed, a server restarted. Carried in a party's report of the round (never a message of its own), so the
 * protocol's message counts do not depend on what is noted.
 *
 * @param iteration the local iteration (null: the round as a whole)
 * @param timeS     virtual time, s
 * @param type      the {@code events.jsonl} type: deadline, over-select, message-lost, barrier-wait, plan-change, ...
 * @param clients   the device ids concerned, ascending (empty for none)
 * @param effect    what happened, in words
 */
public record Note(Integer iteration, double timeS, String type, List<Integer> clients, String effect) {
    public Note {
        clients = List.copyOf(clients);
    }

    /** Its {@code events.jsonl} line in round {@code round}. */
    EventRecord record(int round) {
        return EventRecord.of(round, iteration, timeS, type, null, clients, null, effect, Map.of());
    }
}
