package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code deploy/gen-certs.sh} (bash + the JDK's keytool) for tests. */
final class TestCerts {
    private TestCerts() {}

    /** The script's exit code and its stdout + stderr. */
    record Result(int exitCode, String output) {}

    static Result run(Path dir, String... names) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", Path.of("deploy", "gen-certs.sh").toAbsolutePath().toString(),
                dir.toString()));
        cmd.addAll(List.of(names));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "gen-certs.sh did not finish within 120 s");
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Generates a CA in {@code dir} and one TLS folder per name; fails the test if the script fails. */
    static Path generate(Path dir, String... names) throws IOException, InterruptedException {
        Result r = run(dir, names);
        assertTrue(r.exitCode() == 0, "gen-certs.sh failed: " + r.output());
        return dir;
    }
}
