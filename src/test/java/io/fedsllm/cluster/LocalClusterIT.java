package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/local-cluster.sh}: five JVMs on 127.0.0.1 (coordinator, main server, federated server, two clients
 * nodes) over mutual TLS run a short experiment whose rounds.jsonl is byte for byte that of the one-JVM {@code run}
 * of the same options, in analytic and in real mode; the script leaves no JVM behind when it ends or is stopped.
 * Every process of a test is killed whatever happens ({@link ChildJvms}).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class LocalClusterIT {

    /** Real mode on a very small setup (as RealModeTest): a base pre-trained for 2 steps into a cache of the test. */
    static List<String> realSets(Path cache) {
        return List.of("--set", "emu.mode=real", "--set", "pretrain.cache-dir=" + cache, "--set", "pretrain.steps=2",
                "--set", "pretrain.batch-size=2", "--set", "data.pretrain.documents=50", "--set", "data.synthetic.train-mrs=20",
                "--set", "data.synthetic.validation-mrs=4", "--set", "data.synthetic.test-mrs=2", "--set", "system.batch-size=2",
                "--set", "system.local-iterations=2", "--set", "train.eval-examples=4", "--set", "train.batch-size=4",
                "--set", "radio.shadowing=quasi-static");
    }

    /** Options of every run here: no progress bar; a run that cannot start fails within 2 minutes. */
    static final List<String> COMMON = List.of("--set", "emu.progress=false", "--set", "emu.party-timeout=2m");

    private static List<String> concat(List<String> a, List<String> b, String... more) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(List.of(more));
        return all;
    }

    /** Runs the script with {@code options} (its temporary folders under {@code dir/tmp}) as process "script". */
    private static Process script(ChildJvms jvms, Path dir, List<String> options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", Path.of("deploy", "local-cluster.sh").toAbsolutePath().toString()));
        cmd.addAll(options);
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        return jvms.start("script", cmd, Map.of("TMPDIR", tmp.toString(), "FEDSLLM_JAR", ChildJvms.JAR.toString(),
                "JAVA_OPTS", String.join(" ", ChildJvms.javaOptions())));
    }

    /** The cluster's and the one-JVM run's rounds.jsonl are the same bytes; every process is gone. */
    private static void clusterWritesTheOneJvmRunsRounds(Path dir, List<String> options, int rounds) throws Exception {
        try (ChildJvms jvms = new ChildJvms(dir)) {
            script(jvms, dir, concat(options, COMMON, "--out", dir.resolve("cluster").toString()));
            assertEquals(0, jvms.exitCode("script", Duration.ofMinutes(5)), jvms.tail("script"));
            assertTrue(jvms.output("script").contains("outputs in " + dir.resolve("cluster")), jvms.tail("script"));
            assertEquals(List.of(), jvms.awaitNoStrays(Duration.ofSeconds(5)), "the script left processes behind");

            jvms.jar("one-jvm", concat(List.of("run"), concat(options, COMMON), "--out", dir.resolve("one-jvm").toString())
                    .toArray(String[]::new));
            assertEquals(0, jvms.exitCode("one-jvm", Duration.ofMinutes(3)), jvms.tail("one-jvm"));
        }
        byte[] oneJvm = Files.readAllBytes(dir.resolve("one-jvm").resolve("rounds.jsonl"));
        assertEquals(rounds, new String(oneJvm, java.nio.charset.StandardCharsets.UTF_8).lines().count());
        assertArrayEquals(oneJvm, Files.readAllBytes(dir.resolve("cluster").resolve("rounds.jsonl")),
                "the cluster's rounds.jsonl is the one-JVM run's");
    }

    @Test
    void analyticRunOnFiveJvmsOverTlsWritesTheOneJvmRunsRounds(@TempDir Path dir) throws Exception {
        clusterWritesTheOneJvmRunsRounds(dir, List.of("--mode", "analytic", "--seed", "5", "--rounds", "3", "--clients", "8"), 3);
    }

    @Test
    void realRunOnFiveJvmsOverTlsWritesTheOneJvmRunsRounds(@TempDir Path dir) throws Exception {
        clusterWritesTheOneJvmRunsRounds(dir, concat(List.of("--seed", "7", "--rounds", "2", "--clients", "4"),
                realSets(dir.resolve("cache"))), 2);
    }

    @Test
    void stoppingTheScriptMidRunStopsEveryNode(@TempDir Path dir) throws Exception {
        try (ChildJvms jvms = new ChildJvms(dir)) {
            // A run far too long to end by itself: rounds go on until the script is stopped.
            Process script = script(jvms, dir, concat(List.of("--mode", "analytic", "--clients", "4", "--rounds", "100000",
                    "--set", "emu.checkpoints=false", "--out", dir.resolve("cluster").toString()), COMMON));
            Path rounds = dir.resolve("cluster").resolve("rounds.jsonl");
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (!(Files.exists(rounds) && Files.size(rounds) > 0)) {
                assertTrue(script.isAlive() && System.nanoTime() < deadline, "the run did not start\n" + jvms.tail("script"));
                Thread.sleep(200);
            }
            assertEquals(5, jvms.strays().stream().filter(h -> h.info().command().orElse("").endsWith("/java")).count(),
                    "five node JVMs run");
            script.destroy();   // SIGTERM, as a Ctrl-C or a job scheduler would
            assertEquals(143, jvms.exitCode("script", Duration.ofSeconds(60)), jvms.tail("script"));
            assertTrue(jvms.output("script").contains("terminated; stopping every node"), jvms.tail("script"));
            assertEquals(List.of(), jvms.awaitNoStrays(Duration.ofSeconds(5)), "the script left processes behind");
            try (Stream<Path> tls = Files.list(dir.resolve("tmp"))) {
                assertFalse(tls.anyMatch(p -> Files.exists(p.resolve("tls"))), "the TLS material was deleted");
            }
        }
    }
}
