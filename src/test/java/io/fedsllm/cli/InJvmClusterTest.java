package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.cluster.HostPort;
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

/**
 * Five {@code node} commands of this JVM, each with its own ActorSystem (coordinator, main server, federated server,
 * two clients nodes), form a cluster over loopback (plain TCP: the TLS cases run in child JVMs, {@code
 * LocalClusterIT}) and run a short analytic experiment: every message between parties crosses Artery serialized, and
 * the coordinator's rounds.jsonl is byte for byte the one-JVM run's. Every node exits 0 on its own once the run is over.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class InJvmClusterTest {

    /** The experiment both runs make: 6 clients, 2 rounds, the main server's node cut off inside round 1. */
    static final List<String> EXPERIMENT = List.of("--mode", "analytic", "--seed", "3", "--rounds", "2", "--clients", "6",
            "--scenario", "scenarios/partition.conf");

    /** Settings of every node and of the one-JVM run; the party timeout bounds a run that could not start. */
    static final List<String> SETS = List.of("--set", "emu.progress=false", "--set", "emu.party-timeout=60s",
            "--set", "pekko.cluster.jmx.multi-mbeans-in-same-jvm=on", "--set", "pekko.loglevel=WARNING");

    private static String[] args(List<String> head, List<String> tail, String... more) {
        List<String> all = new ArrayList<>(head);
        all.addAll(tail);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void nodesOfOneJvmFormAClusterAndWriteTheOneJvmRunsRounds(@TempDir Path dir) throws Exception {
        int seedPort = HostPort.freeLoopbackPort();
        String seed = "127.0.0.1:" + seedPort;
        List<String> cluster = List.of("--host", "127.0.0.1", "--seed-nodes", seed, "--insecure");
        Map<String, String[]> nodes = new LinkedHashMap<>();
        nodes.put("coordinator", args(List.of("node", "--role", "coordinator", "--port", String.valueOf(seedPort)),
                cluster, args(EXPERIMENT, SETS, "--out", dir.resolve("cluster").toString())));
        nodes.put("main-server", args(List.of("node", "--role", "main-server", "--port", "0"), cluster, SETS.toArray(String[]::new)));
        nodes.put("fed-server", args(List.of("node", "--role", "fed-server", "--port", "0"), cluster, SETS.toArray(String[]::new)));
        nodes.put("clients-a", args(List.of("node", "--role", "clients", "--client-ids", "0-2", "--port", "0"), cluster,
                SETS.toArray(String[]::new)));
        nodes.put("clients-b", args(List.of("node", "--role", "clients", "--client-share", "2/2", "--port", "0"), cluster,
                SETS.toArray(String[]::new)));
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            Map<String, Future<Integer>> exits = new LinkedHashMap<>();
            // The role nodes retry joining until the coordinator, the seed node, is up.
            nodes.forEach((name, a) -> exits.put(name, pool.submit(() -> Main.run(a))));
            for (Map.Entry<String, Future<Integer>> e : exits.entrySet()) {
                assertEquals(0, e.getValue().get(3, TimeUnit.MINUTES), e.getKey() + " node's exit code");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, Main.run(args(List.of("run"), EXPERIMENT, args(SETS, List.of(), "--out",
                dir.resolve("one-jvm").toString()))));
        byte[] oneJvm = Files.readAllBytes(dir.resolve("one-jvm").resolve("rounds.jsonl"));
        assertEquals(2, new String(oneJvm, java.nio.charset.StandardCharsets.UTF_8).lines().count());
        assertArrayEquals(oneJvm, Files.readAllBytes(dir.resolve("cluster").resolve("rounds.jsonl")),
                "the cluster's rounds.jsonl is the one-JVM run's");
        String events = Files.readString(dir.resolve("cluster").resolve("events.jsonl"));
        assertTrue(events.contains("\"type\":\"partition-node\",\"phase\":\"ended\""), events);
        assertEquals(Files.readString(dir.resolve("one-jvm").resolve("events.jsonl")), events);
    }
}
