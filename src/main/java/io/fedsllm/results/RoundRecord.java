package io.fedsllm.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One global round as the emulator observed it, all times virtual seconds (no wall-clock values: same seed ⇒ same
 * record). One line of {@code rounds.jsonl}.
 *
 * @param virtualStartS     round start on the virtual clock
 * @param virtualEndS       round end: the federated server's aggregation (or the last iteration when later)
 * @param plannedRoundS     the delay model's T_round for the plan used (SYSTEM_MODEL §5)
 * @param participants      clients taking part
 * @param dropped           clients found dead (death watch) during this round, ids
 * @param trainLoss         mean training loss of the round; null in analytic mode (no loss is computed)
 * @param valLoss           validation loss after the round; null in analytic mode
 * @param bytesMain         activation bytes uploaded to the main server (centralized round 0: the clients' shards)
 * @param bytesFed          client-LoRA bytes uploaded to the federated server
 * @param breakdown         per-round totals that sum to the round duration
 * @param iterationsLeftOut client-iterations left out by the deadline policy
 * @param slowestClient     the client with the largest forward + uploads + backward time (null without clients)
 * @param clients           per participant, client-id order
 */
public record RoundRecord(int round, double virtualStartS, double virtualEndS, double plannedRoundS, int splitLayer,
        int rank, int participants, List<Integer> dropped, Double trainLoss, Double valLoss, long bytesMain,
        long bytesFed, Breakdown breakdown, int iterationsLeftOut, Integer slowestClient, List<ClientRound> clients) {

    public RoundRecord {
        dropped = List.copyOf(dropped);
        clients = List.copyOf(clients);
    }

    public double durationS() {
        return virtualEndS - virtualStartS;
    }

    /**
     * Totals over the round's iterations: dataUploadS = the centralized scheme's upload of every client's raw shard
     * before round 0 trains (0 otherwise, and then left out of rounds.jsonl), t1S = waiting for activations (sum over
     * iterations of T1; fl: local training), serverForwardS and serverBackwardS, t2S = backward barrier (sum of T2),
     * t3S = LoRA upload phase.
     */
    public record Breakdown(@JsonInclude(JsonInclude.Include.NON_DEFAULT) double dataUploadS, double t1S,
            double serverForwardS, double serverBackwardS, double t2S, double t3S) {

        /** A round without a data upload. */
        public Breakdown(double t1S, double serverForwardS, double serverBackwardS, double t2S, double t3S) {
            this(0, t1S, serverForwardS, serverBackwardS, t2S, t3S);
        }

        public double sumS() {
            return dataUploadS + t1S + serverForwardS + serverBackwardS + t2S + t3S;
        }
    }

    /** One client's totals in the round, virtual seconds; fedWeight = its weight in the |D_k| average (0 if none). */
    public record ClientRound(int client, double forwardS, double activationUploadS, double backwardS,
            double loraUploadS, int subchannelsMain, int subchannelsFed, int iterationsDone, int iterationsLeftOut,
            double fedWeight) {}
}
