package io.fedsllm.config;

/**
 * The radio channel ({@code fedsllm.radio}, SYSTEM_MODEL §4).
 *
 * @param pathLossInterceptDb        PL at 1 km, dB
 * @param pathLossSlopeDbPerDecade   PL slope, dB per decade of distance
 * @param shadowingSigmaDb           log-normal shadowing standard deviation, dB (0 = no shadowing)
 * @param shadowing                  when shadowing is redrawn
 * @param fading                     small-scale fading model
 * @param pmaxDbm                    p_max per client per link, dBm
 * @param noisePsdDbmPerHz           N_0, dBm/Hz
 * @param clientAntennaGainDbi       G_k, dBi
 * @param serverAntennaGainDbi       G_server, dBi
 * @param main                       the main link (clients → main server)
 * @param fed                        the federated link (clients → federated server)
 */
public record RadioSettings(double pathLossInterceptDb, double pathLossSlopeDbPerDecade, double shadowingSigmaDb,
        Shadowing shadowing, Fading fading, double pmaxDbm, double noisePsdDbmPerHz, double clientAntennaGainDbi,
        double serverAntennaGainDbi, Link main, Link fed) {

    /** When the shadowing term X_k is drawn. */
    public enum Shadowing {
        /** Block fading: a fresh draw every global round (default). */
        PER_ROUND,
        /** One draw at placement, kept for every round. */
        QUASI_STATIC
    }

    /** Small-scale fading g_k^i. */
    public enum Fading {
        /** g = 1: the paper's average gains. */
        NONE,
        /** g ~ Exp(1) per client, per subchannel, per round. */
        RAYLEIGH
    }

    /**
     * One link's spectrum and network power limit.
     *
     * @param bandwidthHz total bandwidth, Hz (split into equal subchannels)
     * @param subchannels subchannel count (M on the main link, N on the fed link)
     * @param pthDbm      p_th in dBm, or {@code null} for K · p_max (the default)
     */
    public record Link(double bandwidthHz, int subchannels, Double pthDbm) {
        /** Width of each (equal) subchannel, Hz. */
        public double subchannelHz() {
            return bandwidthHz / subchannels;
        }
    }

    /** Reads {@code fedsllm.radio}, checking each link against {@code fedsllm.system.clients}. */
    public static RadioSettings from(ConfigReader root) {
        ConfigReader r = root.section("radio");
        int clients = SystemSettings.from(root).clients();
        return new RadioSettings(r.getDouble("path-loss-intercept-db"), r.positiveDouble("path-loss-slope-db-per-decade"),
                r.nonNegativeDouble("shadowing-sigma-db"), r.enumValue("shadowing", Shadowing.class),
                r.enumValue("fading", Fading.class), r.getDouble("pmax-dbm"), r.getDouble("noise-psd-dbm-per-hz"),
                r.getDouble("client-antenna-gain-dbi"), r.getDouble("server-antenna-gain-dbi"),
                link(r, "main", clients), link(r, "fed", clients));
    }

    private static Link link(ConfigReader radio, String name, int clients) {
        ConfigReader r = radio.section(name);
        double bandwidth = r.positiveDouble("bandwidth-hz");
        int subchannels = r.positiveInt("subchannels");
        if (subchannels < clients) {
            // C1/C2 and the planner's first greedy step: every client owns at least one subchannel.
            throw r.invalid("subchannels", "expected a count >= system.clients = " + clients
                    + " (every client needs at least one subchannel)");
        }
        Double pth = r.config().getIsNull(r.key("pth-dbm")) ? null : r.getDouble("pth-dbm");
        return new Link(bandwidth, subchannels, pth);
    }
}
