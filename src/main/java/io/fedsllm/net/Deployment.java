package io.fedsllm.net;

import com.typesafe.config.Config;
import io.fedsllm.config.ComputeSettings;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.GeometrySettings;
import io.fedsllm.config.MemoryBudget;
import io.fedsllm.config.PopulationSettings;
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
 * A population of N devices, K of which take part in a round, a main server and a federated server: where they
 * are, what they compute with, and the channel of every round (SYSTEM_MODEL §3, §4). Everything random comes from
 * {@link Seeds} streams indexed by the device id, so the same seed and configuration give the same values in
 * every round, in any order of asking, and device k has the same position, processor and channel whether the
 * population holds K devices or a million. A configured deployment stores nothing per device: each value is
 * computed from its stream when asked for.
 *
 * <p>Device k sits uniformly in the disc (stream (seed, "placement", k)) with f_k uniform in [min, max] (stream
 * (seed, "client-frequency", k)). Per round and per link, its large-scale gain is h_k = 10^(−(PL(d_k) + X_k)/10)
 * with X_k ~ N(0, σ²) drawn from the stream (seed, "shadowing-main" | "shadowing-fed", k, round) — round fixed to 0
 * when shadowing is quasi-static. With Rayleigh fading, g_k^i ~ Exp(1) is the i-th draw of (seed, "fading-main" |
 * "fading-fed", k, round), one draw per subchannel in subchannel order; otherwise g = 1.
 */
public final class Deployment {
    private static final String MAIN = "main";
    private static final String FED = "fed";

    private final long seed;
    private final GeometrySettings geometry;
    private final RadioSettings radio;
    private final Devices devices;
    private final int clients;
    private final ComputeProfile server;

    /** Where device k is and what it computes with. */
    private interface Devices {
        int count();

        Position position(int device);

        ComputeProfile compute(int device);
    }

    /** Devices drawn from their streams on demand: a few bytes for the whole population. */
    private record Seeded(long seed, int count, GeometrySettings geometry, ComputeSettings settings) implements Devices {
        public Position position(int device) {
            return Placement.client(seed, device, geometry);
        }

        public ComputeProfile compute(int device) {
            SplittableRandom rnd = Seeds.random(seed, "client-frequency", device);
            double f = settings.clientFrequencyMinHz()
                    + (settings.clientFrequencyMaxHz() - settings.clientFrequencyMinHz()) * rnd.nextDouble();
            return new ComputeProfile(f, settings.clientFlopsPerCycle());
        }
    }

    /** Devices given explicitly (tests, hand-made scenarios). */
    private record Listed(List<Position> positions, List<ComputeProfile> profiles) implements Devices {
        public int count() {
            return positions.size();
        }

        public Position position(int device) {
            return positions.get(device);
        }

        public ComputeProfile compute(int device) {
            return profiles.get(device);
        }
    }

    private Deployment(long seed, GeometrySettings geometry, RadioSettings radio, Devices devices, int clients,
            ComputeProfile server) {
        if (clients < 1 || devices.count() < clients) {
            throw new IllegalArgumentException("need at least one client and at least as many devices as clients, got "
                    + clients + " clients and " + devices.count() + " devices");
        }
        if (radio.main().subchannels() < clients || radio.fed().subchannels() < clients) {
            throw new IllegalArgumentException(clients + " clients but " + radio.main().subchannels() + " main and "
                    + radio.fed().subchannels() + " fed subchannels: every client needs at least one on each link");
        }
        this.seed = seed;
        this.geometry = geometry;
        this.radio = radio;
        this.devices = devices;
        this.clients = clients;
        this.server = server;
    }

    /**
     * The deployment the configuration describes: {@code seed}, {@code system.clients} (K, the clients of a round),
     * {@code population.devices} (N), {@code geometry}, {@code radio} and {@code compute}.
     */
    public static Deployment from(Config config) {
        ConfigReader root = ConfigReader.root(config);
        requireFits(root);
        long seed = root.getLong("seed");
        int clients = SystemSettings.from(root).clients();
        GeometrySettings geometry = GeometrySettings.from(root);
        ComputeSettings compute = ComputeSettings.from(root);
        ComputeProfile server = new ComputeProfile(compute.serverFrequencyHz(), compute.serverFlopsPerCycle());
        int devices = PopulationSettings.from(root).devices();
        return new Deployment(seed, geometry, RadioSettings.from(root), new Seeded(seed, devices, geometry, compute),
                clients, server);
    }

    /**
     * Bytes of one round's channel and plan, a lower bound: per client of the round its large-scale gain, p_max and
     * stream on both links, its radio report and its share of the plan (about 200 bytes), plus one width per
     * subchannel. The channel stores what its model needs (one gain per client with flat fading), so this grows with
     * K + M + N, not K × M.
     */
    public static double channelBytes(int clients, int mainSubchannels, int fedSubchannels) {
        return 200.0 * clients + 8.0 * ((double) mainSubchannels + fedSubchannels);
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
                        + r.section("fed").source("subchannels") + ": one round's channel and plan (about 200 bytes per "
                        + "client plus 8 per subchannel)");
    }

    /**
     * A deployment with explicit positions and processors (tests, scenarios), every device a client of every round;
     * channels still use the seed.
     */
    public static Deployment of(long seed, GeometrySettings geometry, RadioSettings radio, List<Position> clientPositions,
            List<ComputeProfile> clientCompute, ComputeProfile server) {
        if (clientPositions.size() != clientCompute.size()) {
            throw new IllegalArgumentException("need one compute profile per client, got " + clientPositions.size()
                    + " positions and " + clientCompute.size() + " profiles");
        }
        return new Deployment(seed, geometry, radio, new Listed(List.copyOf(clientPositions), List.copyOf(clientCompute)),
                clientPositions.size(), server);
    }

    /** K, the clients of one round ({@code system.clients}); devices 0..K−1 are the clients of {@link #channel(int)}. */
    public int clients() {
        return clients;
    }

    /** N, the devices of the population ({@code population.devices}, at least K). */
    public int devices() {
        return devices.count();
    }

    /** Device k's processor (any device id below N). */
    public ComputeProfile clientCompute(int k) {
        return devices.compute(check(k));
    }

    /** The main server's processor. */
    public ComputeProfile server() {
        return server;
    }

    /** Device k's position (any device id below N). */
    public Position clientPosition(int k) {
        return devices.position(check(k));
    }

    /** Device k's distance to the main server, clamped to the minimum distance, m. */
    public double distanceMainM(int k) {
        return Placement.clampedDistance(clientPosition(k), Placement.mainServer(geometry), geometry);
    }

    /** Device k's distance to the federated server, clamped to the minimum distance, m. */
    public double distanceFedM(int k) {
        return Placement.clampedDistance(clientPosition(k), Placement.fedServer(), geometry);
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
     * Rejects a round whose channel would leave one of devices 0..K−1 with a link too weak to compute with (below
     * {@link #MIN_LINK_SNR_DB}, see there), naming the client, the link and the keys that set the link budget.
     * O(K): only large-scale gains, no channel table. {@link #channel} checks the devices it is asked for.
     */
    public void checkLinkBudget(int round) {
        for (int c = 0; c < clients; c++) {
            checkLinkBudget(c, round);
        }
    }

    private void checkLinkBudget(int device, int round) {
        checkLinkBudget(MAIN, radio.main(), distanceMainM(device), device, round,
                largeScaleGainDb(MAIN, distanceMainM(device), device, round));
        checkLinkBudget(FED, radio.fed(), distanceFedM(device), device, round,
                largeScaleGainDb(FED, distanceFedM(device), device, round));
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

    /** Both links in global round {@code round} (0-based) for devices 0..K−1 and the per-client report. */
    public RoundChannel channel(int round) {
        int[] all = new int[clients];
        Arrays.setAll(all, i -> i);
        return channel(round, all);
    }

    /**
     * Both links in global round {@code round} for the given devices (row i = device {@code devices[i]}) and their
     * report. A device's values do not depend on which other devices are asked for; p_th defaults to K · p_max
     * with K = {@link #clients()}. Costs O(rows) plus the subchannel widths, whatever N is.
     */
    public RoundChannel channel(int round, int[] devices) {
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        for (int d : devices) {
            checkLinkBudget(d, round);
        }
        int n = devices.length;
        double[] distMain = new double[n];
        double[] distFed = new double[n];
        for (int i = 0; i < n; i++) {
            distMain[i] = distanceMainM(devices[i]);
            distFed[i] = distanceFedM(devices[i]);
        }
        double[] gainMainDb = new double[n];
        double[] gainFedDb = new double[n];
        LinkState main = link(MAIN, radio.main(), devices, distMain, round, gainMainDb);
        LinkState fed = link(FED, radio.fed(), devices, distFed, round, gainFedDb);
        List<ClientRadio> report = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            report.add(new ClientRadio(distMain[i], distFed[i], gainMainDb[i], gainFedDb[i]));
        }
        return new RoundChannel(round, main, fed, List.copyOf(report));
    }

    /**
     * Device k's large-scale gain −(PL + X) on the main link in a round, dB: what a scheduler that knows the channel
     * ranks devices by (population selection {@code best-channel}).
     */
    public double gainMainDb(int device, int round) {
        return largeScaleGainDb(MAIN, distanceMainM(device), device, round);
    }

    private int check(int device) {
        if (device < 0 || device >= devices.count()) {
            throw new IllegalArgumentException("device " + device + " out of range: the population has "
                    + devices.count() + " devices (ids 0.." + (devices.count() - 1) + ")");
        }
        return device;
    }

    /** Large-scale gain −(PL + X) of a device on a link in a round, dB. */
    private double largeScaleGainDb(String link, double distanceM, int device, int round) {
        return -(PathLoss.db(radio, distanceM) + shadowingDb(link, device, round));
    }

    /** X_k for one link, device and round, dB. */
    private double shadowingDb(String link, int device, int round) {
        if (radio.shadowingSigmaDb() == 0) {
            return 0;
        }
        int drawRound = radio.shadowing() == RadioSettings.Shadowing.QUASI_STATIC ? 0 : round;
        return radio.shadowingSigmaDb() * Seeds.firstGaussian(seed, "shadowing-" + link, device, drawRound);
    }

    private LinkState link(String name, RadioSettings.Link spec, int[] ids, double[] distances, int round,
            double[] gainDbOut) {
        int n = ids.length;
        double[] widths = new double[spec.subchannels()];
        Arrays.fill(widths, spec.subchannelHz());
        double noisePsdW = Units.dbmToW(radio.noisePsdDbmPerHz());
        double antennas = Units.dbToLinear(radio.clientAntennaGainDbi() + radio.serverAntennaGainDbi());
        double[] base = new double[n];
        for (int c = 0; c < n; c++) {
            gainDbOut[c] = largeScaleGainDb(name, distances[c], ids[c], round);
            base[c] = antennas * Units.dbToLinear(gainDbOut[c]) / noisePsdW;
        }
        double pmaxW = Units.dbmToW(radio.pmaxDbm());
        double[] pmax = new double[n];
        Arrays.fill(pmax, pmaxW);
        double pthW = spec.pthDbm() == null ? clients * pmaxW : Units.dbmToW(spec.pthDbm());
        if (radio.fading() != RadioSettings.Fading.RAYLEIGH) {
            return LinkState.flat(widths, base, pmax, pthW);
        }
        long[] streams = new long[n];
        for (int c = 0; c < n; c++) {
            streams[c] = Seeds.derive(seed, "fading-" + name, ids[c], round);
        }
        return LinkState.rayleigh(widths, base, streams, pmax, pthW);
    }
}
