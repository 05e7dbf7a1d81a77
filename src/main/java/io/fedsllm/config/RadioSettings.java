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

    /**
     * Reads {@code fedsllm.radio}, checking each link against {@code fedsllm.system.clients}. Every quantity has the
     * range application.conf documents: within them the weakest link still has a positive rate and the strongest a
     * finite power, so no accepted value makes a delay infinite or NaN (tested at the corners).
     */
    public static RadioSettings from(ConfigReader root) {
        ConfigReader r = root.section("radio");
        ConfigReader system = root.section("system");
        int clients = SystemSettings.from(root).clients();
        return new RadioSettings(r.physical("path-loss-intercept-db", "a path loss in dB", 0, 300),
                r.physical("path-loss-slope-db-per-decade", "a slope in dB per decade", 1, 100),
                r.physical("shadowing-sigma-db", "a standard deviation in dB", 0, 30),
                r.enumValue("shadowing", Shadowing.class), r.enumValue("fading", Fading.class),
                r.physical("pmax-dbm", "a power in dBm", -30, 60),
                r.physical("noise-psd-dbm-per-hz", "a noise density in dBm/Hz", -230, -100),
                r.physical("client-antenna-gain-dbi", "an antenna gain in dBi", -30, 60),
                r.physical("server-antenna-gain-dbi", "an antenna gain in dBi", -30, 60),
                link(r, "main", clients, system), link(r, "fed", clients, system));
    }

    private static Link link(ConfigReader radio, String name, int clients, ConfigReader system) {
        ConfigReader r = radio.section(name);
        double bandwidth = r.physical("bandwidth-hz", "a bandwidth in Hz", 1e3, 1e12);
        int subchannels = r.positiveInt("subchannels");
        if (subchannels < clients) {
            // C1/C2 and the planner's first greedy step: every client owns at least one subchannel.
            throw r.invalid("subchannels", "expected a count >= " + system.source("clients")
                    + " (every client needs at least one subchannel on each link)");
        }
        Double pth = r.config().getIsNull(r.key("pth-dbm")) ? null : r.physical("pth-dbm", "a power in dBm", -30, 120);
        return new Link(bandwidth, subchannels, pth);
    }
}
