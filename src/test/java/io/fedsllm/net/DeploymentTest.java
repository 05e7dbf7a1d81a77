package io.fedsllm.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.GeometrySettings;
import io.fedsllm.config.RadioSettings;
import io.fedsllm.cost.ComputeProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentTest {
    private static final double N0_W_PER_HZ = 3.981071705534986e-21; // −174 dBm/Hz
    private static final ComputeProfile CPU = new ComputeProfile(1e9, 1024);

    /** A deployment at the given positions with the defaults plus {@code sets}. */
    private static Deployment at(List<Position> positions, String... sets) {
        ConfigReader root = ConfigReader.root(ConfigLoader.withSets(sets));
        List<ComputeProfile> cpus = new ArrayList<>();
        positions.forEach(p -> cpus.add(CPU));
        return Deployment.of(1, GeometrySettings.from(root), RadioSettings.from(root), positions, cpus, CPU);
    }

    @Test
    void pathLossAtHundredMetresOneKilometreAndTheClamp() {
        RadioSettings radio = RadioSettings.from(ConfigReader.root(ConfigLoader.withSets()));
        // 128.1 + 37.6·log10(0.1) = 128.1 − 37.6 = 90.5 dB; at 1 km log10(1) = 0 → 128.1 dB.
        assertEquals(90.5, PathLoss.db(radio, 100), 1e-12);
        assertEquals(128.1, PathLoss.db(radio, 1000), 1e-12);
        // A client 10 m from the centre is clamped to 35 m from the federated server:
        // 128.1 + 37.6·log10(0.035) = 128.1 + 37.6·(−1.4559319556) = 73.3569584676 dB.
        // With σ = 0 the reported gain is exactly −PL. The main server is at (100, 0): the client at (10, 0) is 90 m away.
        Deployment d = at(List.of(new Position(10, 0)), "radio.shadowing-sigma-db=0");
        ClientRadio c = d.channel(0).clients().get(0);
        assertEquals(35.0, c.distanceFedM(), 0);
        assertEquals(90.0, c.distanceMainM(), 1e-12);
        assertEquals(-73.35695846757037, c.gainFedDb(), 1e-9);
        assertEquals(-(128.1 + 37.6 * Math.log10(0.090)), c.gainMainDb(), 1e-9);
    }

    @Test
    void snrPerPsdAndShannonRateOfOneAndOfOwnedSubchannels() {
        // Client at (200, 0): 100 m from the main server at (100, 0), PL = 90.5 dB, no shadowing, 0 dBi antennas.
        // a = 10^−9.05 / 10^−20.4 = 10^11.35 = 2.2387211385683e11 per (W/Hz).
        Deployment d = at(List.of(new Position(200, 0)), "radio.shadowing-sigma-db=0");
        LinkState main = d.channel(0).main();
        assertEquals(160, main.subchannels());
        assertEquals(125_000.0, main.subchannelHz()[0], 0); // 20 MHz / 160
        assertEquals(2.2387211385683286e11, main.snrPerPsd(0, 7), 100.0); // relative 4.5e-10
        // Uniform 20 dBm = 0.1 W over 32 subchannels × 125 kHz = 4 MHz → p = 2.5e−8 W/Hz; SNR = p·a = 5596.80.
        // One subchannel: 125 000 · log2(1 + 5596.80) = 1 556 330.6 bit/s; 32 of them: 49 802 579.8 bit/s.
        double psd = 0.1 / 4e6;
        assertEquals(1_556_330.62, Rates.subchannelRate(main.subchannelHz()[0], psd, main.snrPerPsd(0, 0)), 0.05);
        double[] psds = new double[160];
        Arrays.fill(psds, psd);
        int[] owned = new int[32];
        for (int i = 0; i < 32; i++) {
            owned[i] = 5 * i; // any 32 subchannels: flat gains
        }
        assertEquals(49_802_579.84, Rates.rate(main, 0, psds, owned), 1.0);
        // Fed link: 20 MHz / 80 = 250 kHz subchannels.
        assertEquals(250_000.0, d.channel(0).fed().subchannelHz()[0], 0);
    }

    @Test
    void powerLimitsDefaultToKTimesPmax() {
        Deployment d = at(List.of(new Position(50, 0), new Position(0, 50)));
        LinkState main = d.channel(0).main();
        assertArrayEquals(new double[] {0.1, 0.1}, main.pmaxW(), 1e-15); // 20 dBm
        assertEquals(0.2, main.pthW(), 1e-15); // K · p_max = 2 · 0.1 W
        Deployment explicit = at(List.of(new Position(50, 0)), "radio.fed.pth-dbm=30");
        assertEquals(1.0, explicit.channel(0).fed().pthW(), 1e-12); // 30 dBm = 1 W
        assertEquals(0.1, explicit.channel(0).main().pthW(), 1e-15);
    }

    @Test
    void antennaGainsScaleTheSnr() {
        Deployment flat = at(List.of(new Position(200, 0)), "radio.shadowing-sigma-db=0");
        Deployment gains = at(List.of(new Position(200, 0)), "radio.shadowing-sigma-db=0",
                "radio.client-antenna-gain-dbi=3", "radio.server-antenna-gain-dbi=7");
        // +10 dB of antenna gain = ×10.
        assertEquals(10.0, gains.channel(0).main().snrPerPsd(0, 0) / flat.channel(0).main().snrPerPsd(0, 0), 1e-9);
        assertEquals(1.0 / N0_W_PER_HZ * Units.dbToLinear(-90.5), flat.channel(0).main().snrPerPsd(0, 0), 1e3);
    }

    @Test
    void placementStaysInTheDiscIsReproducibleAndDiffersAcrossSeeds() {
        GeometrySettings g = GeometrySettings.from(ConfigReader.root(ConfigLoader.withSets()));
        List<Position> a = Placement.clients(7, 4000, g);
        int inner = 0;
        for (Position p : a) {
            double r = p.distanceTo(Position.ORIGIN);
            assertTrue(r <= 200.0, "client outside the disc at r = " + r);
            if (r <= 200.0 / Math.sqrt(2)) {
                inner++;
            }
        }
        // Area-uniform: half of the clients lie within R/√2 (binomial sd = √(4000/4) ≈ 32, so ±200 never flakes).
        assertTrue(Math.abs(inner - 2000) < 200, "clients within R/sqrt2: " + inner + " of 4000");
        assertEquals(a, Placement.clients(7, 4000, g));
        List<Position> b = Placement.clients(8, 4000, g);
        assertNotEquals(a.get(0), b.get(0));
        // Client k's position does not depend on K (its own stream).
        assertEquals(a.get(3), Placement.clients(7, 5, g).get(3));
    }

    @Test
    void sameSeedSameChannelsDifferentSeedDifferentChannels() {
        Config c1 = ConfigLoader.withSets("seed=11", "radio.fading=rayleigh");
        RoundChannel x = Deployment.from(c1).channel(3);
        RoundChannel y = Deployment.from(c1).channel(3);
        for (int k = 0; k < 5; k++) {
            assertArrayEquals(x.main().snrRow(k), y.main().snrRow(k), 0);
            assertArrayEquals(x.fed().snrRow(k), y.fed().snrRow(k), 0);
        }
        assertEquals(x.clients(), y.clients());
        RoundChannel z = Deployment.from(ConfigLoader.withSets("seed=12", "radio.fading=rayleigh")).channel(3);
        assertNotEquals(x.clients().get(0), z.clients().get(0));
    }

    @Test
    void clientFrequenciesAreDrawnOncePerClientWithinTheRange() {
        Deployment d = Deployment.from(ConfigLoader.withSets("system.clients=20"));
        double first = d.clientCompute(0).cyclesPerSecond();
        boolean differ = false;
        for (int k = 0; k < d.clients(); k++) {
            double f = d.clientCompute(k).cyclesPerSecond();
            assertTrue(f >= 1e9 && f <= 2e9, "f_" + k + " = " + f);
            assertEquals(1024.0, d.clientCompute(k).flopsPerCycle(), 0);
            differ |= f != first;
        }
        assertTrue(differ, "all 20 clients drew the same frequency");
        assertEquals(1.5e9, d.server().cyclesPerSecond(), 0);
        assertEquals(65536.0, d.server().flopsPerCycle(), 0);
        Deployment fixed = Deployment.from(ConfigLoader.withSets("compute.client-frequency-min-hz=1.2e9",
                "compute.client-frequency-max-hz=1.2e9"));
        assertEquals(1.2e9, fixed.clientCompute(4).cyclesPerSecond(), 0);
    }

    @Test
    void shadowingHasMeanZeroAndSigmaEightAndIsIndependentPerLink() {
        // X = −gain − PL over 3000 rounds of one client (deterministic for this seed; bounds are > 5 standard errors).
        Deployment d = at(List.of(new Position(120, 40)));
        double plMain = PathLoss.db(d.radio(), d.distanceMainM(0));
        double plFed = PathLoss.db(d.radio(), d.distanceFedM(0));
        int n = 3000;
        double sum = 0;
        double sumSq = 0;
        double sumCross = 0;
        for (int round = 0; round < n; round++) {
            ClientRadio c = d.channel(round).clients().get(0);
            double xMain = -c.gainMainDb() - plMain;
            double xFed = -c.gainFedDb() - plFed;
            sum += xMain;
            sumSq += xMain * xMain;
            sumCross += xMain * xFed;
        }
        double mean = sum / n;
        double sd = Math.sqrt(sumSq / n - mean * mean);
        assertEquals(0.0, mean, 0.8, "mean shadowing, dB"); // standard error 8/√3000 = 0.15 dB
        assertEquals(8.0, sd, 0.6, "shadowing sd, dB");     // standard error ≈ 8/√6000 = 0.10 dB
        double corr = (sumCross / n) / 64.0;
        assertEquals(0.0, corr, 0.1, "main/fed shadowing correlation");
    }

    @Test
    void perRoundShadowingChangesEachRoundQuasiStaticDoesNot() {
        List<Position> one = List.of(new Position(120, 40));
        Deployment perRound = at(one);
        assertNotEquals(perRound.channel(0).clients().get(0).gainMainDb(), perRound.channel(1).clients().get(0).gainMainDb());
        Deployment quasi = at(one, "radio.shadowing=quasi-static");
        ClientRadio r0 = quasi.channel(0).clients().get(0);
        for (int round = 1; round < 5; round++) {
            assertEquals(r0, quasi.channel(round).clients().get(0));
        }
        // Quasi-static uses the round-0 draw of the per-round stream.
        assertEquals(perRound.channel(0).clients().get(0), r0);
    }

    @Test
    void withoutFadingGainsAreFlatWithRayleighTheyAverageOne() {
        List<Position> one = List.of(new Position(120, 40));
        LinkState flat = at(one, "radio.shadowing-sigma-db=0").channel(2).main();
        double base = flat.snrPerPsd(0, 0);
        for (double a : flat.snrRow(0)) {
            assertEquals(base, a, 0);
        }
        Deployment rayleigh = at(one, "radio.shadowing-sigma-db=0", "radio.fading=rayleigh");
        double sum = 0;
        int n = 0;
        for (int round = 0; round < 50; round++) {
            for (double a : rayleigh.channel(round).main().snrRow(0)) {
                sum += a / base;
                n++;
            }
        }
        // 8000 Exp(1) draws: standard error 1/√8000 = 0.011.
        assertEquals(1.0, sum / n, 0.06, "mean Rayleigh power gain");
        assertFalse(Arrays.equals(rayleigh.channel(0).main().snrRow(0), rayleigh.channel(1).main().snrRow(0)));
    }

    @Test
    void aPopulationGivesDevicesBelowKTheValuesOfTheClientsAndComputesOthersOnDemand() {
        Deployment clients = Deployment.from(ConfigLoader.withSets("system.clients=5", "radio.fading=rayleigh"));
        Deployment population = Deployment.from(ConfigLoader.withSets("system.clients=5", "radio.fading=rayleigh",
                "population.devices=1000000"));
        assertEquals(5, clients.devices());
        assertEquals(1_000_000, population.devices());
        assertEquals(5, population.clients());
        RoundChannel a = clients.channel(3);
        RoundChannel b = population.channel(3);
        for (int k = 0; k < 5; k++) {
            assertEquals(clients.clientPosition(k), population.clientPosition(k));
            assertEquals(clients.clientCompute(k), population.clientCompute(k));
            assertEquals(a.clients().get(k), b.clients().get(k));
            assertArrayEquals(a.main().snrRow(k), b.main().snrRow(k), 0);
            assertArrayEquals(a.fed().snrRow(k), b.fed().snrRow(k), 0);
        }
        // Any device of the population, in any company: its row is the same, p_th stays K p_max (K = 5).
        int[] picked = {999_999, 2, 123_456};
        RoundChannel some = population.channel(3, picked);
        assertArrayEquals(a.main().snrRow(2), some.main().snrRow(1), 0);
        assertEquals(a.main().pthW(), some.main().pthW(), 0);
        assertEquals(some.clients().get(0), population.channel(3, new int[] {999_999}).clients().get(0));
        assertEquals(population.clientPosition(999_999), Placement.client(1, 999_999,
                GeometrySettings.from(ConfigReader.root(ConfigLoader.withSets()))));
        assertEquals(-some.clients().get(2).gainMainDb(), -population.gainMainDb(123_456, 3), 0);
        assertThrows(IllegalArgumentException.class, () -> population.clientPosition(1_000_000));
    }
}
