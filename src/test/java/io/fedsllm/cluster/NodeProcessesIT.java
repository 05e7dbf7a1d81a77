package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node JVMs started one by one ({@code java -jar fedsllm.jar node ...}, mutual TLS on 127.0.0.1), for what the local
 * script cannot show: a clients node's JVM killed in the middle of a run (its clients are dropped from that round on,
 * the reason in summary.json, and the run finishes), the same node started again (it joins, its guardian is enrolled,
 * and its clients come back at a later round start, take part with the current global LoRA and stay to the end), and
 * a node with a certificate of another CA (it cannot join, takes no part, and exits saying why). Every process is
 * killed whatever happens ({@link ChildJvms}).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class NodeProcessesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Rounds of the run: enough for the node started again to be in before the end. Measured on the loaded 2-core
     * machine: 2-4 s per round, the node's clients back 3-20 s after the kill (a JVM start, joining, enrolment).
     */
    private static final int ROUNDS = 16;

    /** The arguments of a node of {@code role} whose TLS folder is {@code tls}. */
    private static String[] node(String role, Path tls, int port, int seedPort, List<String> sets, String... more) {
        List<String> a = new ArrayList<>(List.of("node", "--role", role, "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--seed-nodes", "127.0.0.1:" + seedPort, "--tls-dir", tls.toString()));
        a.addAll(sets);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static Set<Integer> ids(JsonNode array, String field) {
        Set<Integer> out = new TreeSet<>();
        array.forEach(n -> out.add(field == null ? n.asInt() : n.get(field).asInt()));
        return out;
    }

    /** Round 0's checkpoint in {@code out} is written (once the coordinator has every party's state and starts round 1). */
    private static void awaitRoundZerosCheckpoint(ChildJvms jvms, Path out) throws InterruptedException {
        Path checkpoint = out.resolve("checkpoints").resolve("round-000000");
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (!Files.isDirectory(checkpoint)) {
            assertTrue(System.nanoTime() < deadline, "round 0's checkpoint was not written within 4 minutes\n"
                    + jvms.tail("coordinator"));
            Thread.sleep(20);
        }
    }

    @Test
    void killingAClientsNodeMidRunDropsItsClientsAndTheRunFinishes(@TempDir Path dir) throws Exception {
        Path tls = TestCerts.generate(dir.resolve("tls"), "coordinator", "main-server", "fed-server", "clients-1", "clients-2");
        Path rogueTls = TestCerts.generate(dir.resolve("rogue-tls"), "rogue").resolve("rogue");
        int seedPort = HostPort.freeLoopbackPort();
        List<String> sets = new ArrayList<>(LocalClusterIT.COMMON);
        sets.addAll(LocalClusterIT.realSets(dir.resolve("cache")));
        sets.addAll(List.of("--set", "system.local-iterations=4"));
        // The killed node is downed 5 s after it became unreachable instead of 20: the node started again becomes Up
        // (and its guardian visible) only then.
        sets.addAll(List.of("--set", "pekko.cluster.split-brain-resolver.stable-after=5s"));
        Path out = dir.resolve("out");
        try (ChildJvms jvms = new ChildJvms(dir)) {
            jvms.jar("coordinator", node("coordinator", tls.resolve("coordinator"), seedPort, seedPort, sets,
                    "--clients", "4", "--seed", "11", "--rounds", String.valueOf(ROUNDS), "--out", out.toString()));
            jvms.awaitOutput("coordinator", "coordinator node pekko://fedsllm@127.0.0.1:" + seedPort + " is up",
                    Duration.ofMinutes(3));
            jvms.jar("main-server", node("main-server", tls.resolve("main-server"), 0, seedPort, sets));
            jvms.jar("fed-server", node("fed-server", tls.resolve("fed-server"), 0, seedPort, sets));
            jvms.jar("clients-1", node("clients", tls.resolve("clients-1"), 0, seedPort, sets, "--client-share", "1/2"));
            Process doomed = jvms.jar("clients-2", node("clients", tls.resolve("clients-2"), 0, seedPort, sets,
                    "--client-share", "2/2"));
            // Another CA's node claims clients 0 and 1; it gives up joining after 20 s.
            List<String> rogueSets = new ArrayList<>(sets);
            rogueSets.addAll(List.of("--set", "pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes=20s"));
            jvms.jar("rogue", node("clients", rogueTls, 0, seedPort, rogueSets, "--client-ids", "0-1"));

            awaitRoundZerosCheckpoint(jvms, out);
            doomed.destroyForcibly();   // clients 2 and 3 go with their JVM, in round 1 (or later)
            long killedNs = System.nanoTime();
            assertTrue(doomed.waitFor(30, TimeUnit.SECONDS));
            // The same node again: it joins as a new member, is enrolled, and its clients come back at a round start.
            jvms.jar("clients-2-again", node("clients", tls.resolve("clients-2"), 0, seedPort, sets, "--client-share", "2/2"));

            assertEquals(0, jvms.exitCode("coordinator", Duration.ofMinutes(5)), jvms.tail("coordinator"));
            System.out.printf("the run ended %.1f s after the kill%n", (System.nanoTime() - killedNs) / 1e9);
            // What the coordinator saw of the node's loss and return, for the test's log.
            jvms.output("coordinator").lines().filter(l -> l.matches(".*(i\\.f\\.emu\\.Coordinator|Outbox).*"))
                    .forEach(l -> System.out.println("  coordinator: " + l));
            for (String n : List.of("main-server", "fed-server", "clients-1", "clients-2-again")) {
                assertEquals(0, jvms.exitCode(n, Duration.ofMinutes(1)), jvms.tail(n));
                assertTrue(jvms.output(n).contains("the run is over; left the cluster"), jvms.tail(n));
            }
            assertEquals(1, jvms.exitCode("rogue", Duration.ofMinutes(2)), jvms.tail("rogue"));
            assertTrue(jvms.output("rogue").contains("could not join the cluster through"), jvms.tail("rogue"));
        }

        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals("rounds", summary.get("stopReason").asText());
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("rounds.jsonl"))) {
            records.add(JSON.readTree(line));
        }
        assertEquals(ROUNDS, records.size());
        records.forEach(r -> System.out.println("  round " + r.get("round") + ": clients " + ids(r.get("clients"), "client")
                + ", dropped " + ids(r.get("dropped"), null)));
        int backAt = -1;
        for (String line : Files.readAllLines(out.resolve("events.jsonl"))) {
            JsonNode e = JSON.readTree(line);
            if (e.get("type").asText().equals("node-rejoined")) {
                assertEquals(-1, backAt, "one node-rejoined event");
                assertEquals(Set.of(2, 3), ids(e.get("clients"), null), e.toString());
                backAt = e.get("round").asInt();
            }
        }
        assertTrue(backAt >= 1, "clients 2 and 3 came back in a round after the kill, by round " + (ROUNDS - 1));
        int lostAt = -1;
        for (JsonNode r : records) {
            Set<Integer> dropped = ids(r.get("dropped"), null);
            if (!dropped.isEmpty()) {
                assertEquals(-1, lostAt, "the clients are dropped once");
                assertEquals(Set.of(2, 3), dropped, "round " + r.get("round"));
                lostAt = r.get("round").asInt();
            }
        }
        // Lost in a round: dropped there, back at a later round start. Lost between rounds (while a checkpoint was
        // taken) and back at the next round start: they missed no round, and none lists them as dropped.
        assertTrue(lostAt == -1 || 1 <= lostAt && lostAt < backAt, "dropped in round " + lostAt + ", back in " + backAt);
        for (JsonNode r : records) {
            int round = r.get("round").asInt();
            Set<Integer> clients = ids(r.get("clients"), "client");
            assertTrue(clients.containsAll(Set.of(0, 1)), "the rogue took no client away, round " + round);
            if (round < backAt && (lostAt < 0 || round < lostAt)) {
                assertEquals(4, r.get("participants").asInt(), "round " + round);
            } else if (round < backAt && round > lostAt) {
                assertEquals(Set.of(0, 1), clients, "round " + round);
                assertEquals(2, r.get("participants").asInt(), "round " + round);
            } else if (round >= backAt) {
                // Back from that round start to the end, trained every local iteration: they took the global LoRA.
                assertEquals(Set.of(0, 1, 2, 3), clients, "round " + round);
                assertEquals(4, r.get("participants").asInt(), "round " + round);
                for (JsonNode c : r.get("clients")) {
                    assertEquals(4, c.get("iterationsDone").asInt(), "client " + c.get("client") + " in round " + round);
                }
            }
        }
        System.out.println("clients 2 and 3 " + (lostAt < 0 ? "lost between rounds" : "dropped in round " + lostAt)
                + ", back in round " + backAt);

        JsonNode failures = summary.get("clientFailures");
        List<String> failed = new ArrayList<>();
        failures.fieldNames().forEachRemaining(failed::add);
        assertEquals(List.of("2", "3"), failed);
        for (JsonNode why : failures) {
            assertTrue(why.asText().matches("(?s)its node pekko://fedsllm@127\\.0\\.0\\.1:\\d+ (left the cluster|cannot be reached) .*"
                    + "; back from round " + backAt + " \\(its clients node started again: pekko://fedsllm@127\\.0\\.0\\.1:\\d+\\)"),
                    why.asText());
        }
        System.out.println("client 2: " + failures.get("2").asText());
    }

    /**
     * The main server's node JVM killed in the middle of a real-mode run, and the node started again: every party
     * restarts from the last checkpoint (the main server on the new node), the round in progress is done again from its
     * start, and the run writes the same rounds.jsonl as one JVM with no kill (the LoRA of every party came back whole).
     */
    @Test
    void killingTheMainServersNodeMidRunRestartsItFromTheLastCheckpointAndTheRoundsAreTheOneJvmRuns(@TempDir Path dir)
            throws Exception {
        Path tls = TestCerts.generate(dir.resolve("tls"), "coordinator", "main-server", "fed-server", "clients-1");
        int seedPort = HostPort.freeLoopbackPort();
        int rounds = 4;
        List<String> sets = new ArrayList<>(LocalClusterIT.COMMON);
        sets.addAll(LocalClusterIT.realSets(dir.resolve("cache")));
        sets.addAll(List.of("--set", "pekko.cluster.split-brain-resolver.stable-after=5s"));
        List<String> experiment = List.of("--clients", "2", "--seed", "5", "--rounds", String.valueOf(rounds));
        Path out = dir.resolve("out");
        try (ChildJvms jvms = new ChildJvms(dir)) {
            List<String> coordinator = new ArrayList<>(experiment);
            coordinator.addAll(List.of("--out", out.toString()));
            jvms.jar("coordinator", node("coordinator", tls.resolve("coordinator"), seedPort, seedPort, sets,
                    coordinator.toArray(String[]::new)));
            jvms.awaitOutput("coordinator", "coordinator node pekko://fedsllm@127.0.0.1:" + seedPort + " is up",
                    Duration.ofMinutes(3));
            Process doomed = jvms.jar("main-server", node("main-server", tls.resolve("main-server"), 0, seedPort, sets));
            jvms.jar("fed-server", node("fed-server", tls.resolve("fed-server"), 0, seedPort, sets));
            jvms.jar("clients-1", node("clients", tls.resolve("clients-1"), 0, seedPort, sets));

            awaitRoundZerosCheckpoint(jvms, out);
            doomed.destroyForcibly();   // the main server goes with its JVM, in round 1 (or while a checkpoint is taken)
            assertTrue(doomed.waitFor(30, TimeUnit.SECONDS));
            jvms.jar("main-server-again", node("main-server", tls.resolve("main-server"), 0, seedPort, sets));
            // The one-JVM run of the same experiment, meanwhile.
            List<String> run = new ArrayList<>(List.of("run"));
            run.addAll(experiment);
            run.addAll(sets);
            run.addAll(List.of("--out", dir.resolve("one-jvm").toString()));
            jvms.jar("one-jvm", run.toArray(String[]::new));

            assertEquals(0, jvms.exitCode("coordinator", Duration.ofMinutes(5)), jvms.tail("coordinator"));
            assertTrue(jvms.output("coordinator").contains("the main-server stopped unexpectedly in round "),
                    jvms.tail("coordinator"));
            for (String n : List.of("main-server-again", "fed-server", "clients-1")) {
                assertEquals(0, jvms.exitCode(n, Duration.ofMinutes(1)), jvms.tail(n));
            }
            assertEquals(0, jvms.exitCode("one-jvm", Duration.ofMinutes(3)), jvms.tail("one-jvm"));
        }
        List<String> cluster = Files.readAllLines(out.resolve("rounds.jsonl"));
        assertEquals(rounds, cluster.size());
        assertEquals(Files.readAllLines(dir.resolve("one-jvm").resolve("rounds.jsonl")), cluster,
                "the restarted run's rounds are the one-JVM run's");
        long restarts = Files.readAllLines(out.resolve("events.jsonl")).stream()
                .filter(l -> l.contains("\"type\":\"node-restarted\"")).count();
        assertEquals(1, restarts, "one node-restarted event");
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals("rounds", summary.get("stopReason").asText());
    }
}
