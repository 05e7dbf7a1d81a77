package io.fedsllm.results;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * The outcome of one emulated experiment.
 *
 * @param stopReason      "rounds" (limit reached), "target" (loss target reached) or "no-clients"
 * @param virtualSeconds  virtual end of the last round
 * @param messages        messages delivered to the emulator's actors
 * @param rejected        messages rejected as invalid
 * @param timeToTargetS   virtual time the target loss was first reached; null if never or no target
 * @param receivedTypes   role → message classes it received (role separation)
 * @param clientFailures  client id → the exception that stopped it ("Type: message"), for clients that failed
 *                        rather than being killed by script; empty when none did
 */
public record RunResult(String scheme, String mode, int clients, List<RoundRecord> rounds, String stopReason,
        double virtualSeconds, double wallSeconds, long messages, long rejected, long bytesMain, long bytesFed,
        Double finalValLoss, Double timeToTargetS, Map<String, Set<String>> receivedTypes,
        SortedMap<Integer, String> clientFailures) {
    public RunResult {
        clientFailures = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(clientFailures));
    }
}
