package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedsllm.cluster.HostPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Five {@code node} commands of this JVM, each with its own ActorSystem (coordinator, main server, federated server,
 * two clients nodes), form a cluster over loopback (plain TCP: the TLS cases run in child JVMs, {@code
 * LocalClusterIT}) and run a short experiment: every message between parties crosses nodes serialized, through the
 * courier, and the coordinator's rounds.jsonl is byte for byte the one-JVM run's. Every node exits 0 on its own once the
 * run is over. In real mode the activations and gradients (about 110 KB) exceed Artery's frame, which the nodes set
 * to its minimum: they cross only because the courier carries them; and a payload the courier cannot carry fails the
 * run naming the message, its target and why.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class InJvmClusterTest {

    /** The experiment both runs make: 6 clients, 2 rounds, the main server's node cut off inside round 1. */
    static final List<String> EXPERIMENT = List.of("--mode", "analytic", "--seed", "3", "--rounds", "2", "--clients", "6",
            "--scenario", "scenarios/partition.conf");

    /** Settings of every node and of the one-JVM run; the party timeout bounds a run that could not start. */
    static final List<String> SETS = List.of("--set", "emu.progress=false", "--set", "emu.party-timeout=60s",
            "--set", "pekko.cluster.jmx.multi-mbeans-in-same-jvm=on", "--set", "pekko.loglevel=WARNING");

    /** Real mode on a very small setup (as LocalClusterIT.realSets): a base pre-trained for 2 steps into {@code cache}. */
    static List<String> realSets(Path cache) {
        return List.of("--mode", "real", "--set", "pretrain.cache-dir=" + cache, "--set", "pretrain.steps=2",
                "--set", "pretrain.batch-size=2", "--set", "data.pretrain.documents=50", "--set", "data.synthetic.train-mrs=20",
                "--set", "data.synthetic.validation-mrs=4", "--set", "data.synthetic.test-mrs=2", "--set", "system.batch-size=2",
                "--set", "system.local-iterations=2", "--set", "train.eval-examples=4", "--set", "train.batch-size=4",
                "--set", "radio.shadowing=quasi-static");
    }

    /** Artery's smallest frame (Pekko refuses less than 32 KiB): every message of the run must take the courier. */
    static final List<String> SMALL_FRAME = List.of("--set", "pekko.remote.artery.advanced.maximum-frame-size=32KiB");

    private static String[] args(List<String> head, List<String> tail, String... more) {
        List<String> all = new ArrayList<>(head);
        all.addAll(tail);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /**
     * Runs the five nodes of one experiment in this JVM: the coordinator with {@code experiment}, {@code sets} on every
     * node and {@code clientsSets} on the clients nodes too; each node's exit code by name.
     */
    private static Map<String, Integer> cluster(Path out, List<String> experiment, List<String> sets,
            List<String> clientsSets) throws Exception {
        int seedPort = HostPort.freeLoopbackPort();
        String seed = "127.0.0.1:" + seedPort;
        List<String> cluster = List.of("--host", "127.0.0.1", "--seed-nodes", seed, "--insecure");
        String[] roleSets = sets.toArray(String[]::new);
        String[] clientSets = args(sets, clientsSets);
        Map<String, String[]> nodes = new LinkedHashMap<>();
        nodes.put("coordinator", args(List.of("node", "--role", "coordinator", "--port", String.valueOf(seedPort)),
                cluster, args(experiment, sets, "--out", out.toString())));
        nodes.put("main-server", args(List.of("node", "--role", "main-server", "--port", "0"), cluster, roleSets));
        nodes.put("fed-server", args(List.of("node", "--role", "fed-server", "--port", "0"), cluster, roleSets));
        nodes.put("clients-a", args(List.of("node", "--role", "clients", "--client-share", "1/2", "--port", "0"), cluster,
                clientSets));
        nodes.put("clients-b", args(List.of("node", "--role", "clients", "--client-share", "2/2", "--port", "0"), cluster,
                clientSets));
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            Map<String, Future<Integer>> exits = new LinkedHashMap<>();
            // The role nodes retry joining until the coordinator, the seed node, is up.
            nodes.forEach((name, a) -> exits.put(name, pool.submit(() -> Main.run(a))));
            Map<String, Integer> codes = new LinkedHashMap<>();
            for (Map.Entry<String, Future<Integer>> e : exits.entrySet()) {
                codes.put(e.getKey(), e.getValue().get(4, TimeUnit.MINUTES));
            }
            return codes;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The cluster's rounds.jsonl ({@code dir/cluster}) and the one-JVM run's of the same options are the same bytes. */
    private static void sameRoundsAsOneJvm(Path dir, List<String> experiment, List<String> sets, int rounds) {
        assertEquals(0, Main.run(args(List.of("run"), experiment, args(sets, List.of(), "--out",
                dir.resolve("one-jvm").toString()))));
        byte[] oneJvm;
        try {
            oneJvm = Files.readAllBytes(dir.resolve("one-jvm").resolve("rounds.jsonl"));
            assertEquals(rounds, new String(oneJvm, StandardCharsets.UTF_8).lines().count());
            assertArrayEquals(oneJvm, Files.readAllBytes(dir.resolve("cluster").resolve("rounds.jsonl")),
                    "the cluster's rounds.jsonl is the one-JVM run's");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Integer> allExit(int code) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String n : List.of("coordinator", "main-server", "fed-server", "clients-a", "clients-b")) {
            out.put(n, code);
        }
        return out;
    }

    @Test
    void nodesOfOneJvmFormAClusterAndWriteTheOneJvmRunsRounds(@TempDir Path dir) throws Exception {
        assertEquals(allExit(0), cluster(dir.resolve("cluster"), EXPERIMENT, SETS, List.of()), "the nodes' exit codes");
        sameRoundsAsOneJvm(dir, EXPERIMENT, SETS, 2);
        String events = Files.readString(dir.resolve("cluster").resolve("events.jsonl"));
        assertTrue(events.contains("\"type\":\"partition-node\",\"phase\":\"ended\""), events);
        assertEquals(Files.readString(dir.resolve("one-jvm").resolve("events.jsonl")), events);
    }

    @Test
    void realModePayloadsAboveArterysFrameCrossThroughTheCourierAndTheRoundsAreTheOneJvmRuns(@TempDir Path dir)
            throws Exception {
        List<String> experiment = List.of(args(List.of("--seed", "7", "--rounds", "2", "--clients", "4"),
                realSets(dir.resolve("cache"))));
        List<String> sets = List.of(args(SETS, SMALL_FRAME));
        assertEquals(allExit(0), cluster(dir.resolve("cluster"), experiment, sets, List.of()), "the nodes' exit codes");
        List<String> lines = Files.readAllLines(dir.resolve("cluster").resolve("rounds.jsonl"));
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals(4, first.get("participants").asInt());
        assertTrue(first.get("valLoss").isNumber(), "real mode: the round was evaluated, " + first);
        sameRoundsAsOneJvm(dir, experiment, SETS, 2);
    }

    @Test
    void aPayloadTheCourierCannotCarryFailsTheRunNamingTheMessageItsTargetAndWhy(@TempDir Path dir) throws Exception {
        List<String> experiment = List.of(args(List.of("--seed", "7", "--rounds", "2", "--clients", "4"),
                realSets(dir.resolve("cache"))));
        // The clients nodes' courier refuses anything above 64 KiB: the LoRA (17 KB) comes in, the activations (2
        // sequences of up to 128 tokens x 128 float32: about 110 KB) cannot go.
        List<String> tooSmall = List.of("--set", "cluster.courier.max-message-size=64KiB");
        Logger log = (Logger) LoggerFactory.getLogger(io.fedsllm.emu.Coordinator.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        Map<String, Integer> codes;
        try {
            codes = cluster(dir.resolve("cluster"), experiment, SETS, tooSmall);
        } finally {
            log.detachAppender(events);
        }
        assertEquals(allExit(1), codes, "every node exits 1: the run failed");
        List<String> failures = events.list.stream().filter(e -> e.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, failures.size(), failures.toString());
        String why = failures.get(0);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("the run fails: round 0: a MainServer\\.Activations for "
                + "pekko://fedsllm@127\\.0\\.0\\.1:\\d+/\\S*/main-server could not be delivered: its (\\d+) serialized bytes "
                + "exceed fedsllm\\.cluster\\.courier\\.max-message-size = 65536").matcher(why);
        assertTrue(m.matches(), why);
        // The same activations as in the real-mode run above: larger than the frame it gives Artery.
        assertTrue(Integer.parseInt(m.group(1)) > 32 * 1024, why);
        assertFalse(Files.exists(dir.resolve("cluster").resolve("rounds.jsonl")), "no round was recorded");
    }
}
