package io.fedsllm.emu;

import io.fedsllm.results.RoundRecord;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The coordinator's part of a checkpoint, taken at the end of global round {@code round}: where the run goes on (the
 * next round's virtual start, or why it stops), who is gone, the records and totals so far, and its own message
 * totals. With every party's {@link Saved} state it is everything a run needs to continue exactly.
 *
 * @param stop        null to go on with round + 1, else the stop reason the run ended with at this round
 * @param dead        client actors gone for good (their guardian reported them; never planned again)
 * @param deadDevices devices gone for good (kill-at-round, a client's failure)
 * @param respawnDue  client actors stopped by a scripted crash, hosted anew at the next round start
 * @param crashesDone the scenario lines of the server crashes that happened (each fires once)
 * @param lastLora    real mode: the LoRA of the last recorded round (what the run writes to adapter/ when it ends)
 */
record CoordinatorState(int round, double nextStartS, String stop, List<Integer> dead,
        SortedMap<Integer, String> clientFailures, long bytesMain, long bytesFed, List<RoundRecord> records,
        PartyAudit.PartyStats audit, List<Integer> deadDevices, List<Integer> respawnDue, List<Integer> crashesDone,
        Recorder.FinalAdapters lastLora) {

    static final String FILE = "coordinator.cbor";
    static final String PARTIES = "parties.cbor";

    CoordinatorState {
        dead = List.copyOf(dead);
        clientFailures = new TreeMap<>(clientFailures);
        records = List.copyOf(records);
        deadDevices = List.copyOf(deadDevices);
        respawnDue = List.copyOf(respawnDue);
        crashesDone = List.copyOf(crashesDone);
    }

    /** Every party's state by name ("main-server", "fed-server", "evaluator", "client-K"). */
    record Parties(Map<String, byte[]> states) {
        Parties {
            states = new TreeMap<>(states);
        }
    }

    static String clientKey(int client) {
        return Client.ROLE + "-" + client;
    }
}
