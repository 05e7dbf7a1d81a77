package io.fedsllm.net;

import com.typesafe.config.Config;
import io.fedsllm.config.ComputeSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.GeometrySettings;
import io.fedsllm.config.MemoryBudget;
import io.fedsllm.config.RadioSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.cost.ComputeProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One deployment of K clients, a main server and a federated server: where they are, what they compute with, and
 * the channel of every round (SYSTEM_MODEL §3, §4). Everything random comes from {@link Seeds}, so the same seed
 * and configuration give the same channel in every round, in any order of asking.
 *
 * <p>Per round and per link, client k's large-scale gain is h_k = 10^(−(PL(d_k) + X_k)/10) with X_k ~ N(0, σ²)
 * drawn from the stream (seed, "shadowing-main" | "shadowing-fed", k, round) — round fixed to 0 when shadowing is
 * quasi-static. With Rayleigh fading, g_k^i ~ Exp(1) from (seed, "fading-main" | "fading-fed", k, round), one draw
 * per subchannel in subchannel order; otherwise g = 1.
 */
public final class Deployment {
    private static final String MAIN = "main";
    private static final String FED = "fed";

    private final long seed;
    private final RadioSettings radio;
    private final List<Position> clientPositions;
    private final double[] distanceMainM;
    private final double[] distanceFedM;
    private final List<ComputeProfile> clientCompute;
    private final ComputeProfile server;

    private Deployment(long seed, GeometrySettings geometry, RadioSettings radio, List<Position> clientPositions,
            List<ComputeProfile> clientCompute, ComputeProfile server) {
        if (clientPositions.isEmpty() || clientPositions.size() != clientCompute.size()) {
            throw new IllegalArgumentException("need one compute profile per client and at least one client, got "
                    + clientPositions.size() + " positions and " + clientCompute.size() + " profiles");
        }
        int k = clientPositions.size();
        if (radio.main().subchannels() < k || radio.fed().subchannels() < k) {
            throw new IllegalArgumentException(k + " clients but " + radio.main().subchannels() + " main and "
                    + radio.fed().subchannels() + " fed subchannels: every client needs at least one on each link");
        }
        this.seed = seed;
        this.radio = radio;
        this.clientPositions = List.copyOf(clientPositions);
        this.clientCompute = List.copyOf(clientCompute);
        this.server = server;
        Position mainServer = Placement.mainServer(geometry);
        Position fedServer = Placement.fedServer();
        this.distanceMainM = new double[k];
        this.distanceFedM = new double[k];
        for (int i = 0; i < k; i++) {
            distanceMainM[i] = Placement.clampedDistance(clientPositions.get(i), mainServer, geometry);
            distanceFedM[i] = Placement.clampedDistance(clientPositions.get(i), fedServer, geometry);
        }
    }

    /**
     * The deployment the configuration describes: {@code seed}, {@code system.clients}, {@code geometry},
     * {@code radio} and {@code compute}. Clients are placed uniformly in the disc; f_k is drawn once per client
     * from (seed, "client-frequency", k), uniform in [min, max].
     */
    public static Deployment from(Config config) {
        ConfigReader root = ConfigReader.root(config);
        requireFits(root);
        long seed = root.getLong("seed");
        int clients = SystemSettings.from(root).clients();
        GeometrySettings geometry = GeometrySettings.from(root);
        RadioSettings radio = RadioSettings.from(root);
        ComputeSettings compute = ComputeSettings.from(root);
        List<ComputeProfile> profiles = new ArrayList<>(clients);
        for (int k = 0; k < clients; k++) {
            SplittableRandom rnd = Seeds.random(seed, "client-frequency", k);
            double f = compute.clientFrequencyMinHz()
                    + (compute.clientFrequencyMaxHz() - compute.clientFrequencyMinHz()) * rnd.nextDouble();
            profiles.add(new ComputeProfile(f, compute.clientFlopsPerCycle()));
        }
        ComputeProfile server = new ComputeProfile(compute.serverFrequencyHz(), compute.serverFlopsPerCycle());
        return new Deployment(seed, geometry, radio, Placement.clients(seed, clients, geometry), profiles, server);
    }

    /**
     * Bytes of one round's channel: a_k^i of every client on every subchannel of both links (a double each, the
     * K × (M + N) tables {@link #channel} builds) plus an array header per client row. A lower bound of what a
     * planned round needs.
     */
    public static double channelBytes(int clients, int mainSubchannels, int fedSubchannels) {
        return 8.0 * clients * ((double) mainSubchannels + fedSubchannels) + 2 * 16.0 * clients;
    }

    /**
     * Rejects, before anything is allocated, a number of clients and subchannels whose channel alone needs more heap
     * than this JVM may use; the message names the flags or keys that set them and the estimate.
     */
    public static void requireFits(ConfigReader root) {
        int clients = SystemSettings.from(root).clients();
        RadioSettings radio = RadioSettings.from(root);
        ConfigReader r = root.section("radio");
        MemoryBudget.require(channelBytes(clients, radio.main().subchannels(), radio.fed().subchannels()),
                root.section("system").source("clients") + " with " + r.section("main").source("subchannels") + " and "
                        + r.section("fed").source("subchannels") + ": one round's channel gains (8 bytes per client per"
                        + " subchannel, K × (M + N))");
    }

    /** A deployment with explicit client positions and processors (tests, scenarios); channels still use the seed. */
    public static Deployment of(long seed, GeometrySettings geometry, RadioSettings radio, List<Position> clientPositions,
            List<ComputeProfile> clientCompute, ComputeProfile server) {
        return new Deployment(seed, geometry, radio, clientPositions, clientCompute, server);
    }

    /** K. */
    public int clients() {
        return clientPositions.size();
    }

    public ComputeProfile clientCompute(int k) {
        return clientCompute.get(k);
    }

    /** The main server's processor. */
    public ComputeProfile server() {
        return server;
    }

    public Position clientPosition(int k) {
        return clientPositions.get(k);
    }

    /** Client k's distance to the main server, clamped to the minimum distance, m. */
    public double distanceMainM(int k) {
        return distanceMainM[k];
    }

    /** Client k's distance to the federated server, clamped to the minimum distance, m. */
    public double distanceFedM(int k) {
        return distanceFedM[k];
    }

    public RadioSettings radio() {
        return radio;
    }

    /**
     * The weakest link SNR a configuration may give, dB: a client's SNR at its power budget spread over the whole
     * band, without fading. Below it water-filling's PSD (water level minus 1/a) loses every significant digit
     * (relative error about 2e-16 / SNR) and rates round to 0, i.e. delays to Infinity.
     */
    public static final double MIN_LINK_SNR_DB = -100;

    /**
     * Rejects a round whose channel would leave some client with a link too weak to compute with (below
     * {@link #MIN_LINK_SNR_DB}, see there), naming the client, the link and the keys that set the link budget.
     * O(K): only large-scale gains, no channel table. {@link #channel} runs it too.
     */
    public void checkLinkBudget(int round) {
        for (int c = 0; c < clients(); c++) {
            checkLinkBudget(MAIN, radio.main(), distanceMainM[c], c, round, largeScaleGainDb(MAIN, distanceMainM[c], c, round));
            checkLinkBudget(FED, radio.fed(), distanceFedM[c], c, round, largeScaleGainDb(FED, distanceFedM[c], c, round));
        }
    }

    private void checkLinkBudget(String name, RadioSettings.Link spec, double distanceM, int client, int round, double gainDb) {
        double pmaxDbm = radio.pmaxDbm();
        if (spec.pthDbm() != null) {
            // C5 shares p_th among the K clients: the average share is the budget a client can count on.
            pmaxDbm = Math.min(pmaxDbm, spec.pthDbm() - Units.linearToDb(clients()));
        }
        double snrDb = pmaxDbm + radio.clientAntennaGainDbi() + radio.serverAntennaGainDbi() + gainDb
                - radio.noisePsdDbmPerHz() - Units.linearToDb(spec.bandwidthHz());
        if (snrDb < MIN_LINK_SNR_DB) {
            throw new UserError(String.format(Locale.ROOT, "the radio link budget is too weak to compute with: client %d"
                    + " on the %s link in round %d reaches an SNR of %.1f dB at %.1f dBm over the whole %.3g Hz band (path "
                    + "loss and shadowing %.1f dB at %.0f m, antennas %.1f dBi, noise %.1f dBm/Hz); below %.0f dB rates "
                    + "vanish in double precision. Raise fedsllm.radio.pmax-dbm (or %s.pth-dbm) or the antenna gains, or "
                    + "lower the path loss, the shadowing, the noise, the bandwidth or fedsllm.geometry.disc-radius-m",
                    client, name, round, snrDb, pmaxDbm, spec.bandwidthHz(), -gainDb, distanceM,
                    radio.clientAntennaGainDbi() + radio.serverAntennaGainDbi(), radio.noisePsdDbmPerHz(),
                    MIN_LINK_SNR_DB, "fedsllm.radio." + name));
        }
    }

    /** Both links in global round {@code round} (0-based) and the per-client report. */
    public RoundChannel channel(int round) {
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        checkLinkBudget(round);
        int k = clients();
        double[] gainMainDb = new double[k];
        double[] gainFedDb = new double[k];
        LinkState main = link(MAIN, radio.main(), distanceMainM, round, gainMainDb);
        LinkState fed = link(FED, radio.fed(), distanceFedM, round, gainFedDb);
        List<ClientRadio> report = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            report.add(new ClientRadio(distanceMainM[i], distanceFedM[i], gainMainDb[i], gainFedDb[i]));
        }
        return new RoundChannel(round, main, fed, List.copyOf(report));
    }

    /** Large-scale gain −(PL + X) of client k on a link in a round, dB. */
    private double largeScaleGainDb(String link, double distanceM, int client, int round) {
        return -(PathLoss.db(radio, distanceM) + shadowingDb(link, client, round));
    }

    /** X_k for one link, client and round, dB. */
    private double shadowingDb(String link, int client, int round) {
        if (radio.shadowingSigmaDb() == 0) {
            return 0;
        }
        int drawRound = radio.shadowing() == RadioSettings.Shadowing.QUASI_STATIC ? 0 : round;
        return radio.shadowingSigmaDb() * Seeds.commons(seed, "shadowing-" + link, client, drawRound).nextGaussian();
    }

    private LinkState link(String name, RadioSettings.Link spec, double[] distances, int round, double[] gainDbOut) {
        int k = clients();
        int m = spec.subchannels();
        double[] widths = new double[m];
        Arrays.fill(widths, spec.subchannelHz());
        double noisePsdW = Units.dbmToW(radio.noisePsdDbmPerHz());
        double antennas = Units.dbToLinear(radio.clientAntennaGainDbi() + radio.serverAntennaGainDbi());
        double[][] snrPerPsd = new double[k][m];
        for (int c = 0; c < k; c++) {
            gainDbOut[c] = largeScaleGainDb(name, distances[c], c, round);
            double base = antennas * Units.dbToLinear(gainDbOut[c]) / noisePsdW;
            SplittableRandom fading = radio.fading() == RadioSettings.Fading.RAYLEIGH
                    ? Seeds.random(seed, "fading-" + name, c, round) : null;
            for (int i = 0; i < m; i++) {
                // Exp(1) by inversion: −ln(1 − u), u in [0, 1).
                double g = fading == null ? 1.0 : -Math.log1p(-fading.nextDouble());
                snrPerPsd[c][i] = base * g;
            }
        }
        double pmaxW = Units.dbmToW(radio.pmaxDbm());
        double[] pmax = new double[k];
        Arrays.fill(pmax, pmaxW);
        double pthW = spec.pthDbm() == null ? k * pmaxW : Units.dbmToW(spec.pthDbm());
        return new LinkState(widths, snrPerPsd, pmax, pthW);
    }
}
