package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes of a multi-process test: each started with its output in {@code logs/<name>.log}, and every one of
 * them, their descendants (the JVMs a script starts) and any process whose command line names the test's folder
 * killed whatever happens: at {@link #close}, and by a shutdown hook if the test JVM ends first.
 */
final class ChildJvms implements AutoCloseable {
    /** The jar `mvn package` builds before the integration tests run. */
    static final Path JAR = Path.of("target", "fedsllm.jar").toAbsolutePath();

    private final Path folder;
    private final Path logs;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Thread hook = new Thread(this::killAll, "child-jvms-killer");

    /** {@code folder}: the test's own folder; logs go to {@code folder/logs}. */
    ChildJvms(Path folder) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: the integration tests run after `mvn package`");
        this.folder = folder.toAbsolutePath();
        this.logs = Files.createDirectories(this.folder.resolve("logs"));
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The JVM options of every child: DJL offline, one PyTorch thread as in the test JVM. */
    static List<String> javaOptions() {
        return List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1");
    }

    /** {@code java -jar fedsllm.jar ARGS...} as process {@code name}. */
    Process jar(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(javaOptions());
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return start(name, cmd, Map.of());
    }

    /** Any command as process {@code name}, with extra environment variables. */
    synchronized Process start(String name, List<String> cmd, Map<String, String> env) throws IOException {
        if (processes.containsKey(name)) {
            throw new IllegalArgumentException("a process named " + name + " exists");
        }
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(name).toFile());
        b.environment().putAll(env);
        Process p = b.start();
        processes.put(name, p);
        return p;
    }

    Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /** The output of {@code name} so far. */
    String output(String name) {
        try {
            return Files.exists(log(name)) ? Files.readString(log(name), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of {@code name}'s output, for a failure message. */
    String tail(String name) {
        List<String> lines = output(name).lines().toList();
        return "---- " + name + " (last lines) ----\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40),
                lines.size()));
    }

    /** Waits for {@code name} to exit within {@code timeout} and returns its exit code; fails the test otherwise. */
    int exitCode(String name, Duration timeout) throws InterruptedException {
        Process p = processes.get(name);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " did not exit within " + timeout + "\n" + tail(name));
        }
        return p.exitValue();
    }

    /** Waits until {@code name}'s output contains {@code text}; fails if it exits or the time runs out first. */
    void awaitOutput(String name, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output(name).contains(text)) {
            if (!processes.get(name).isAlive() && !output(name).contains(text)) {
                fail(name + " exited with " + processes.get(name).exitValue() + " before it printed '" + text + "'\n"
                        + tail(name));
            }
            if (System.nanoTime() > deadline) {
                fail(name + " did not print '" + text + "' within " + timeout + "\n" + tail(name));
            }
            Thread.sleep(100);
        }
    }

    /** Live processes whose command line names this test's folder (started by a script, say, and left behind). */
    List<ProcessHandle> strays() {
        String mark = folder.toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains(mark)).orElse(false)).toList();
    }

    /** Waits up to {@code timeout} for every process naming this test's folder to be gone; the ones left. */
    List<ProcessHandle> awaitNoStrays(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> left = strays();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            left = strays();
        }
        return left;
    }

    private synchronized void killAll() {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process p : processes.values()) {
            p.descendants().forEach(all::add);   // first: once their parent is gone they are no one's descendants
            all.add(p.toHandle());
        }
        all.addAll(strays());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort: a process that does not go within 30 s of SIGKILL is beyond a test's reach
            }
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
