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

    /**
     * The round with extra path loss per row (a scenario's fades), dB ≥ 0 on each link: gains and the reported
     * large-scale gains lowered by it; rows without loss keep their exact values.
     */
    public RoundChannel withExtraLoss(double[] mainDb, double[] fedDb) {
        List<ClientRadio> report = new java.util.ArrayList<>(clients.size());
        for (int k = 0; k < clients.size(); k++) {
            ClientRadio c = clients.get(k);
            report.add(mainDb[k] == 0 && fedDb[k] == 0 ? c
                    : new ClientRadio(c.distanceMainM(), c.distanceFedM(), c.gainMainDb() - mainDb[k], c.gainFedDb() - fedDb[k]));
        }
        return new RoundChannel(round, main.attenuated(mainDb), fed.attenuated(fedDb), List.copyOf(report));
    }
}
