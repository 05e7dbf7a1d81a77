package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume after a crash: a real-mode run in a child JVM is killed with SIGKILL at several points — inside a
 * round, between rounds, while a checkpoint is being written — and `run --resume` continues it; every resumed run ends
 * with the same rounds.jsonl, the same summary.json (wall time aside) and the same final state of every party (LoRA,
 * optimiser and strategy state, byte for byte) as an uninterrupted run of the same seed. A damaged newest checkpoint
 * is detected and the one before used. The run follows a scenario (a client crash and rejoin, message drops, a slow
 * client, a main-server crash after the kill points), so its events.jsonl and timeline.png, and the scenario's
 * state in the checkpoints, are compared too.
 */
@Timeout(600)
class KillAndResumeTest {
    @TempDir
    static Path tmp;
    static Path reference;

    static final String SCENARIO = """
            events = [
              { type = crash-client, client = 2, at-round = 1, at-iteration = 1, rejoin-after-rounds = 2 }
              { type = drop-messages, client = 0, links = [main], probability = 0.3, at-round = 2, duration-rounds = 2 }
              { type = slow-client, client = 1, factor = 3.0, at-round = 0, duration = forever }
              { type = crash-main-server, at-round = 4, at-iteration = 2 }
            ]
            """;

    /** The small real-mode run (tiny base pre-trained 2 steps, 3 clients, b = 2, I = 3, 6 rounds) with the scenario. */
    static List<String> args(Path out) {
        List<String> a = new ArrayList<>(List.of("run", "--rounds", "6", "--seed", "11", "--out", out.toString(),
                "--scenario", tmp.resolve("scenario.conf").toString()));
        for (String set : new String[] {"emu.progress=false", "pretrain.cache-dir=\"" + tmp.resolve("cache") + "\"",
                "pretrain.steps=2", "pretrain.batch-size=2", "data.pretrain.documents=50", "data.synthetic.train-mrs=20",
                "data.synthetic.validation-mrs=4", "data.synthetic.test-mrs=2", "system.clients=3", "system.batch-size=2",
                "system.local-iterations=3", "train.eval-examples=4", "train.batch-size=4"}) {
            a.add("--set");
            a.add(set);
        }
        return a;
    }

    @BeforeAll
    static void uninterrupted() throws Exception {
        Files.writeString(tmp.resolve("scenario.conf"), SCENARIO);
        reference = tmp.resolve("reference");
        assertEquals(0, Main.run(args(reference).toArray(String[]::new)));
    }

    /** Starts the run in a child JVM (checkpoint writes paused {@code pauseMs}), kills it once {@code when} holds. */
    static void killWhen(Path out, long pauseMs, Predicate<Path> when) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dfedsllm.test.checkpoint-pause-ms=" + pauseMs,
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args(out));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(out.getFileName() + ".log")
                .toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!when.test(out)) {
                assertTrue(p.isAlive(), "the run ended before the kill point: " + Files.readString(tmp.resolve(out.getFileName() + ".log")));
                assertTrue(System.nanoTime() < deadline, "the kill point was not reached");
                Thread.sleep(20);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child JVM is gone");
        }
        assertTrue(Files.exists(out.resolve("incomplete.json")), "a killed run is marked incomplete");
    }

    static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static List<String> checkpoints(Path run) {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Resumes the killed run in this JVM and compares it with the uninterrupted one. */
    static void resumeAndCompare(Path out) throws Exception {
        assertEquals(0, Main.run("run", "--resume", out.toString()));
        assertArrayEquals(Files.readAllBytes(reference.resolve("rounds.jsonl")), Files.readAllBytes(out.resolve("rounds.jsonl")));
        ObjectMapper json = new ObjectMapper();
        JsonNode want = json.readTree(reference.resolve("summary.json").toFile());
        JsonNode got = json.readTree(out.resolve("summary.json").toFile());
        ((ObjectNode) want).remove("wallSeconds");
        ((ObjectNode) got).remove("wallSeconds");
        assertEquals(want, got, "summary.json, wall time aside");
        assertArrayEquals(Files.readAllBytes(reference.resolve("events.jsonl")), Files.readAllBytes(out.resolve("events.jsonl")));
        assertTrue(Files.readString(out.resolve("events.jsonl")).contains("crash-main-server"), "the scenario ran");
        assertArrayEquals(Files.readAllBytes(reference.resolve("timeline.png")), Files.readAllBytes(out.resolve("timeline.png")));
        for (String f : List.of("coordinator.cbor", "parties.cbor")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve("checkpoints/round-000005/" + f)),
                    Files.readAllBytes(out.resolve("checkpoints/round-000005/" + f)), "the final " + f);
        }
        for (String f : List.of("adapter_model.safetensors", "adapter_config.json")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve("adapter").resolve(f)),
                    Files.readAllBytes(out.resolve("adapter").resolve(f)), "the final LoRA, adapter/" + f);
        }
        assertTrue(!Files.exists(out.resolve("incomplete.json")), "the resumed run completed");
    }

    @Test
    void killedInsideARoundResumesToTheSameRun() throws Exception {
        Path out = tmp.resolve("inside");
        // Round 2's iterations are under way: rounds 0 and 1 recorded and checkpointed, round 2 not yet recorded.
        killWhen(out, 0, d -> checkpoints(d).contains("round-000001") && lines(d.resolve("rounds.jsonl")) == 2);
        resumeAndCompare(out);
    }

    @Test
    void killedBetweenRoundsResumesToTheSameRun() throws Exception {
        Path out = tmp.resolve("between");
        // Round 1 recorded, its checkpoint being written (paused): the round is over, the next not started.
        killWhen(out, 1500, d -> lines(d.resolve("rounds.jsonl")) == 2 && !checkpoints(d).contains("round-000001"));
        resumeAndCompare(out);
    }

    @Test
    void killedWhileACheckpointIsWrittenResumesFromTheOneBefore() throws Exception {
        Path out = tmp.resolve("writing");
        killWhen(out, 1500, d -> checkpoints(d).contains("round-000002.partial"));
        assertEquals(List.of("round-000000", "round-000001", "round-000002.partial"), checkpoints(out),
                "the half-written checkpoint is a .partial directory, the whole ones stay");
        resumeAndCompare(out);
    }

    @Test
    void killedAfterItsLastCheckpointResumesToTheSameEndAndItsAdapter() throws Exception {
        // What a kill between the last round's checkpoint and the end leaves: every round recorded and checkpointed,
        // the directory marked incomplete, no summary, no charts drawn at the end, no adapter.
        Path out = tmp.resolve("after-last");
        try (Stream<Path> files = Files.walk(reference)) {
            for (Path f : files.toList()) {
                Path to = out.resolve(reference.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        for (String f : List.of("summary.json", "loss.png", "breakdown.png", "adapter/adapter_model.safetensors",
                "adapter/adapter_config.json", "adapter")) {
            Files.deleteIfExists(out.resolve(f));
        }
        Files.writeString(out.resolve("incomplete.json"), "{\"state\" : \"running\", \"roundsLimit\" : 6}\n");
        assertEquals("round-000005", checkpoints(out).get(checkpoints(out).size() - 1));
        resumeAndCompare(out);
    }

    @Test
    void aDamagedNewestCheckpointFallsBackToThePreviousOne() throws Exception {
        Path out = tmp.resolve("damaged");
        killWhen(out, 0, d -> checkpoints(d).contains("round-000002") && lines(d.resolve("rounds.jsonl")) == 3);
        Path newest = out.resolve("checkpoints/round-000002/parties.cbor");
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // truncated
        resumeAndCompare(out);
    }
}
