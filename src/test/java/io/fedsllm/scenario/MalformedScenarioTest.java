package io.fedsllm.scenario;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed scenario is rejected before anything runs with a {@link UserError} (exit 2, no stack trace) whose
 * message starts with "FILE:LINE: " and says what is wrong. Defaults: 5 clients, 3 rounds, 20 local iterations.
 */
class MalformedScenarioTest {
    @TempDir
    Path dir;

    /** Loads {@code text} as a scenario with the defaults plus {@code sets}; asserts file, line and reason. */
    private void rejects(String text, int line, String reason, String... sets) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, text);
        UserError e = assertThrows(UserError.class, () -> Scenario.load(f, ConfigLoader.withSets(sets)));
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ":" + line + ": "), "expected " + f + ":" + line + ": ... but got: " + m);
        assertTrue(m.contains(reason), "expected the reason '" + reason + "' in: " + m);
    }

    @Test
    void badHocon() throws IOException {
        rejects("events = [\n  { type = slow-client, client = 1\n]\n", 3, "malformed HOCON");
    }

    @Test
    void unknownEventType() throws IOException {
        rejects("events = [\n  { type = slow-clinet, client = 1, at-round = 0, duration-rounds = 1, factor = 2 }\n]\n", 2,
                "event 1 (slow-clinet): unknown event type 'slow-clinet'; expected one of [slow-client, link-fade,");
    }

    @Test
    void missingField() throws IOException {
        rejects("events = [\n  { type = crash-client, client = 1, at-round = 0 }\n  {\n    type = slow-client\n"
                + "    client = 2\n    at-round = 1\n    duration-rounds = 1\n  }\n]\n", 3,
                "event 2 (slow-client): missing field 'factor' (the compute slow-down, > 0)");
    }

    @Test
    void extraField() throws IOException {
        rejects("events = [\n  { type = crash-client, client = 1, at-round = 0,\n    colour = red }\n]\n", 3,
                "'colour' is not a field of crash-client; its fields are [type, client, clients, at-round, at-iteration, "
                        + "at-time-s, rejoin-after-rounds, rejoin-after-s]");
    }

    @Test
    void negativeDuration() throws IOException {
        rejects("events = [\n  { type = link-outage, client = 0, links = [main], at-time-s = 5,\n"
                + "    duration-s = -3 }\n]\n", 3, "duration-s = -3 is a negative duration; expected > 0");
    }

    @Test
    void clientOutOfRange() throws IOException {
        rejects("events = [\n  { type = leave, clients = [1,\n 9], at-round = 1 }\n]\n", 3,
                "client 9 out of range: the population has 5 devices (ids 0..4");
        // The same id is fine once the population holds it.
        Path f = dir.resolve("ok.conf");
        Files.writeString(f, "events = [ { type = leave, clients = [1, 9], at-round = 1 } ]\n");
        Scenario.load(f, ConfigLoader.withSets("population.devices=10"));
    }

    @Test
    void eventAfterTheLastRound() throws IOException {
        rejects("description = \"late\"\nevents = [\n  { type = crash-fed-server, at-round = 3 }\n]\n", 3,
                "at-round = 3 is after the last round 2; expected a round in 0..2 (emu.rounds = 3)");
    }

    @Test
    void wrongType() throws IOException {
        rejects("events = [\n  { type = slow-client, client = 0, at-round = 0, duration-rounds = 1,\n"
                + "    factor = fast }\n]\n", 3, "factor = \"fast\": expected a number");
        rejects("events = [ { type = crash-client, client = 1.5, at-round = 0 } ]\n", 1,
                "client = 1.5: expected a whole number");
        rejects("events = { type = crash-fed-server, at-round = 0 }\n", 1, "expected a list of events");
    }

    @Test
    void triggerProblems() throws IOException {
        rejects("events = [\n  { type = crash-main-server }\n]\n", 2, "missing trigger: give at-round");
        rejects("events = [\n  { type = crash-main-server, at-round = 0,\n  at-time-s = 3 }\n]\n", 3,
                "both at-round and at-time-s are given");
        rejects("events = [\n  { type = crash-main-server, at-round = 0, at-iteration = 20 }\n]\n", 2,
                "at-iteration = 20: expected a local iteration in 0..19 (system.local-iterations = 20)");
        rejects("events = [\n  { type = crash-main-server, at-time-s = 3, at-iteration = 2 }\n]\n", 2,
                "at-iteration needs at-round");
        rejects("events = [\n  { type = crash-main-server, at-round = -1 }\n]\n", 2, "at-round = -1 is negative");
    }

    @Test
    void durationProblems() throws IOException {
        rejects("events = [\n  { type = slow-client, client = 0, at-round = 0, factor = 2 }\n]\n", 2,
                "missing duration: give exactly one of duration-s");
        rejects("events = [\n  { type = slow-client, client = 0, at-round = 0, factor = 2,\n    duration-s = 10 }\n]\n", 3,
                "duration-s is measured on the virtual clock but the event triggers on the round/iteration clock");
        rejects("events = [\n  { type = slow-client, client = 0, at-round = 0, factor = 2, duration-rounds = 1,\n"
                + "    duration-iterations = 4 }\n]\n", 3, "more than one duration");
        rejects("events = [\n  { type = slow-client, client = 0, at-round = 0, factor = 2, duration = always }\n]\n", 2,
                "duration = \"always\": expected forever");
        rejects("events = [\n  { type = partition-node, node = main-server, at-round = 0, duration-rounds = 0 }\n]\n", 2,
                "duration-rounds = 0: expected a duration > 0");
    }

    @Test
    void parameterProblems() throws IOException {
        rejects("events = [\n  { type = drop-messages, client = 0, links = [main], at-round = 0, duration-rounds = 1,\n"
                + "    probability = 1.5 }\n]\n", 3, "probability = 1.5: expected a probability in (0, 1]");
        rejects("events = [\n  { type = link-fade, client = 0, links = [main,\n    radio], loss-db = 3, at-round = 0, "
                + "duration-rounds = 1 }\n]\n", 3, "link 'radio': expected main or fed");
        rejects("events = [\n  { type = link-fade, client = 0, links = [], loss-db = 3, at-round = 0, duration-rounds = 1 }\n]\n",
                2, "expected a non-empty list of main and/or fed");
        rejects("events = [\n  { type = partition-node, node = router, at-round = 0, duration-rounds = 1 }\n]\n", 2,
                "node = \"router\": expected one of [main-server, fed-server, clients]");
        rejects("events = [\n  { type = partition-node, node = coordinator, at-round = 0, duration-rounds = 1 }\n]\n", 2,
                "node = coordinator: the coordinator runs the experiment and is not a party of the modelled system");
        rejects("events = [\n  { type = leave, clients = [2, 2], at-round = 0 }\n]\n", 2, "client 2 is listed twice");
        rejects("events = [\n  { type = leave, client = 2, clients = [3], at-round = 0 }\n]\n", 2,
                "both 'client' and 'clients' are given");
        rejects("events = [\n  { type = crash-client, client = 2, at-round = 0, rejoin-after-s = 5 }\n]\n", 2,
                "rejoin-after-s is measured on the virtual clock but the crash triggers at a round");
    }

    @Test
    void fileLevelProblems() throws IOException {
        rejects("description = \"no events\"\n", 1, "missing field 'events'");
        rejects("events = []\nseed = 4\n", 2, "unknown field 'seed'; a scenario's fields are [description, events, stragglers]");
        Path missing = dir.resolve("nope.conf");
        UserError e = assertThrows(UserError.class, () -> Scenario.load(missing, ConfigLoader.withSets()));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
    }

    @Test
    void stragglerPolicyProblems() throws IOException {
        rejects("stragglers {\n  policy = fastest-first\n}\nevents = []\n", 2,
                "unknown straggler policy; expected one of [wait-all, deadline, over-select]");
        rejects("stragglers {\n  policy = deadline\n}\nevents = []\n", 1, "missing field 'deadline-factor'");
        rejects("stragglers {\n  policy = over-select\n  extra-clients = 1\n}\nevents = []\n", 3,
                "the 6 clients started need as many devices (population.devices = 5)");
        rejects("stragglers {\n  policy = deadline\n  deadline-factor = 2\n}\nevents = []\n", 2,
                "policy = deadline applies to fedsllm.emu.scheme = sfl only", "emu.scheme=fl");
        rejects("stragglers {\n  policy = wait-all\n  deadline-factor = 2\n}\nevents = []\n", 3,
                "'deadline-factor' is not a field of stragglers { policy = wait-all }");
    }

    @Test
    void inconsistentMembershipAndOverlappingCrashes() throws IOException {
        rejects("events = [\n  { type = leave, client = 1, at-round = 0 }\n  { type = leave, client = 1, at-round = 2 }\n]\n",
                3, "device 1 leaves at round 2 but left at round 0 (line 2); a device's leave and join events must alternate");
        rejects("events = [\n  { type = leave, client = 1, at-round = 0 }\n  { type = join, client = 1, at-time-s = 90 }\n]\n",
                3, "mix at-round and at-time-s triggers");
        rejects("events = [\n  { type = crash-client, client = 4, at-round = 0, rejoin-after-rounds = 2 }\n"
                + "  { type = crash-client, clients = [3, 4], at-round = 1 }\n]\n", 3,
                "client 4 crashes at round 1 while still down from its crash at round 0 (line 2, rejoins at round 2)");
    }
}
