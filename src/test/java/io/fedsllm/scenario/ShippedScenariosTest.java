package io.fedsllm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every file of scenarios/ parses against the default configuration and means what its comment says. */
class ShippedScenariosTest {
    private static final Path DIR = Path.of("scenarios");

    private static Scenario load(String name, String... sets) {
        return Scenario.load(DIR.resolve(name), ConfigLoader.withSets(sets));
    }

    private static Position at(int round, int iteration) {
        return new Position(round, iteration, 0);
    }

    @Test
    void everyShippedScenarioParses() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() >= 6, "scenarios shipped: " + files);
        for (Path f : files) {
            // over-select needs a population larger than the round (its comment says so).
            String[] sets = f.getFileName().toString().equals("over-select.conf")
                    ? new String[] {"population.devices=20"} : new String[0];
            Scenario s = Scenario.load(f, ConfigLoader.withSets(sets));
            assertFalse(s.description().isBlank(), f + " has no description");
            assertFalse(s.events().isEmpty(), f + " has no events");
        }
    }

    @Test
    void stragglerSlowsClientTwoInRoundsOneAndTwoUnderADeadline() {
        Scenario s = load("straggler.conf");
        assertEquals(new StragglerPolicy.Deadline(1.5), s.stragglerPolicy());
        assertEquals(1.0, s.computeFactor(2, at(0, 19)), 0);
        assertEquals(50.0, s.computeFactor(2, at(1, 0)), 0);
        assertEquals(50.0, s.computeFactor(2, at(2, 19)), 0);
        assertEquals(1.0, s.computeFactor(1, at(1, 5)), 0, "only client 2");
    }

    @Test
    void deepFadeHitsClientOneInRoundOneAndClientThreesFedLinkForFiveIterations() {
        Scenario s = load("deep-fade.conf");
        assertEquals(20.0, s.extraLossDb(1, Link.MAIN, at(1, 0)), 0);
        assertEquals(0.0, s.extraLossDb(1, Link.FED, at(1, 0)), 0);
        assertEquals(0.0, s.extraLossDb(1, Link.MAIN, at(2, 0)), 0);
        assertEquals(0.0, s.extraLossDb(3, Link.FED, at(0, 9)), 0);
        assertEquals(30.0, s.extraLossDb(3, Link.FED, at(0, 14)), 0);
        assertEquals(0.0, s.extraLossDb(3, Link.FED, at(0, 15)), 0);
        assertEquals(0.0, s.extraLossDb(3, Link.FED, at(0, 20)), 0, "the LoRA upload of round 0 is after the fade");
    }

    @Test
    void clientThreeCrashesAtRoundOneAndRejoinsAtRoundTwo() {
        Scenario s = load("client-crash-rejoin.conf");
        assertEquals(List.of(3), s.crashesAt(1));
        assertEquals(List.of(3), s.rejoinsAt(2));
        assertTrue(s.crashesAt(0).isEmpty() && s.rejoinsAt(1).isEmpty());
        assertFalse(s.crashed(3, at(0, 19)));
        assertTrue(s.crashed(3, at(1, 20)));
        assertFalse(s.crashed(3, at(2, 0)));
    }

    @Test
    void mainServerCrashesMidRoundOneFedServerAtRoundTwo() {
        Scenario main = load("main-server-crash.conf");
        assertTrue(main.serverCrashesAt(1).isEmpty(), "mid-round, not at the round start");
        List<Occurrence> fired = main.firing(at(1, 9), at(1, 11));
        assertEquals(1, fired.size());
        assertEquals(Node.MAIN_SERVER, ((ScenarioEvent.CrashServer) fired.get(0).event()).node());
        assertTrue(main.firing(at(1, 11), at(2, 0)).isEmpty());
        Scenario fed = load("fed-server-crash.conf");
        assertEquals(List.of(Node.FED_SERVER), fed.serverCrashesAt(2));
        assertTrue(fed.serverCrashesAt(1).isEmpty());
    }

    @Test
    void churnMakesDeviceThreeArriveAndDeviceFourLeaveAndReturn() {
        Scenario s = load("churn.conf");
        assertEquals(List.of(3), s.initiallyAbsent());
        assertFalse(s.present(3, at(0, 0)));
        assertTrue(s.present(4, at(0, 0)));
        assertTrue(s.present(3, at(1, 0)));
        assertFalse(s.present(4, at(1, 0)));
        assertTrue(s.present(4, at(2, 0)));
        assertEquals(List.of(new Scenario.MembershipChange(3, true, 7), new Scenario.MembershipChange(4, false, 8)),
                s.membershipChanges(1));
        assertEquals(List.of(new Scenario.MembershipChange(4, true, 9)), s.membershipChanges(2));
    }

    @Test
    void lossyLinksDropOnTheVirtualClockAndTheOutageEndsAtFortyFiveSeconds() {
        Scenario s = load("lossy-links.conf");
        assertEquals(0.2, s.dropProbability(0, Link.MAIN, new Position(0, 3, 10)), 1e-15);
        assertEquals(0.0, s.dropProbability(0, Link.MAIN, new Position(0, 3, 70)), 0);
        assertEquals(0.0, s.dropProbability(0, Link.FED, new Position(0, 3, 20)), 0);
        assertEquals(45.0, s.outageEndS(2, Link.FED, new Position(0, 20, 31)), 0);
        assertFalse(s.outage(2, Link.FED, new Position(0, 20, 45)));
        assertFalse(s.outage(2, Link.MAIN, new Position(0, 20, 31)));
    }

    @Test
    void overSelectStartsTwoMoreClientsAndNeedsALargerPopulation() {
        Scenario s = load("over-select.conf", "population.devices=20");
        assertInstanceOf(StragglerPolicy.OverSelect.class, s.stragglerPolicy());
        assertEquals(7, s.clientsStarted());
        assertEquals(3.0, s.computeFactor(0, at(2, 7)), 0);
    }
}
