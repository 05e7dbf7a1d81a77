package io.fedsllm.net;

import java.util.List;

/** The channel realisation of one global round: both links plus the per-client report values. */
public record RoundChannel(int round, LinkState main, LinkState fed, List<ClientRadio> clients) {

    /** The round as seen by the given clients only (row indices), in that order; p_th of each link unchanged. */
    public RoundChannel rows(int... rows) {
        List<ClientRadio> report = new java.util.ArrayList<>(rows.length);
        for (int r : rows) {
            report.add(clients.get(r));
        }
        return new RoundChannel(round, main.rows(rows), fed.rows(rows), List.copyOf(report));
    }
}
