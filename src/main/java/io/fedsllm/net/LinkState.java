package io.fedsllm.net;

/**
 * One link (main: clients → main server, or fed: clients → federated server) in one round, as the planner and
 * the emulator see it. Arrays are owned by the record: do not mutate them.
 *
 * @param subchannelHz width of each subchannel i, Hz (M entries on the main link, N on the fed link)
 * @param snrPerPsd    [client k][subchannel i]: a_k^i = G_k G_server h_k g_k^i / N_0, in 1/(W/Hz); the SNR a
 *                     client reaches on subchannel i per unit transmit PSD (SYSTEM_MODEL §4)
 * @param pmaxW        per-client transmit power limit on this link, W (C4)
 * @param pthW         network-wide power limit on this link, W (C5)
 */
public record LinkState(double[] subchannelHz, double[][] snrPerPsd, double[] pmaxW, double pthW) {
    public LinkState {
        if (snrPerPsd.length != pmaxW.length) {
            throw new IllegalArgumentException("snrPerPsd has " + snrPerPsd.length + " clients, pmaxW " + pmaxW.length);
        }
        for (double[] row : snrPerPsd) {
            if (row.length != subchannelHz.length) {
                throw new IllegalArgumentException("snrPerPsd row has " + row.length + " subchannels, expected " + subchannelHz.length);
            }
        }
    }

    public int clients() {
        return pmaxW.length;
    }

    public int subchannels() {
        return subchannelHz.length;
    }
}
