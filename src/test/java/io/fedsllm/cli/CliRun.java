package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** One in-process command line with its exit code and captured stdout / stderr, and file-tree snapshots. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Exit code 2, every part in the message, and no stack trace (a user error never shows one). */
    CliRun assertUserError(String... parts) {
        assertEquals(Main.USER_ERROR, code, "exit code; stderr:\n" + err + "\nstdout:\n" + out);
        for (String p : parts) {
            assertTrue(err.contains(p), "message lacks '" + p + "':\n" + err);
        }
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "a user error shows a stack trace:\n" + err);
        return this;
    }

    /**
     * Every path under {@code root} (relative) with its kind, size, modification time and, for files, the SHA-256
     * of the content: two equal snapshots mean nothing was created, deleted or changed.
     */
    static Map<String, String> snapshot(Path root) {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.forEach(p -> state.put(root.relativize(p).toString(), describe(p)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return state;
    }

    private static String describe(Path p) {
        try {
            if (Files.isSymbolicLink(p)) {
                return "link -> " + Files.readSymbolicLink(p);
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return "dir " + Files.getLastModifiedTime(p);
            }
            byte[] bytes = Files.readAllBytes(p);
            return "file " + bytes.length + " " + Files.getLastModifiedTime(p) + " "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
