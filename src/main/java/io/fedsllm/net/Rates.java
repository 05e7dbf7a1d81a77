package io.fedsllm.net;

/** Shannon rates over FDMA subchannels (SYSTEM_MODEL §4). The one place the rate formula is written. */
public final class Rates {
    private Rates() {}

    /**
     * Rate of one subchannel, bits/s: {@code B log2(1 + p a)}.
     *
     * @param bandwidthHz subchannel width B^i
     * @param psd         transmit power spectral density p^i, W/Hz
     * @param snrPerPsd   a^i = G_k G_server h_k g_k^i / N_0, (1/(W/Hz)): the SNR per unit PSD
     */
    public static double subchannelRate(double bandwidthHz, double psd, double snrPerPsd) {
        return bandwidthHz * Math.log1p(psd * snrPerPsd) / Math.log(2);
    }

    /** Sum rate of a client over the subchannels it owns, bits/s. */
    public static double rate(LinkState link, int client, double[] psdBySubchannel, int[] owned) {
        double r = 0;
        for (int i : owned) {
            r += subchannelRate(link.subchannelHz()[i], psdBySubchannel[i], link.snrPerPsd(client, i));
        }
        return r;
    }

    /**
     * Sum rate of row {@code row} of {@code link} over the subchannels {@code owned}, with {@code psd} aligned to
     * {@code owned} (not indexed by subchannel), bits/s; summed in {@code owned} order.
     */
    public static double ownedRate(LinkState link, int row, int[] owned, double[] psd) {
        double r = 0;
        for (int i = 0; i < owned.length; i++) {
            r += subchannelRate(link.subchannelHz()[owned[i]], psd[i], link.snrPerPsd(row, owned[i]));
        }
        return r;
    }
}
