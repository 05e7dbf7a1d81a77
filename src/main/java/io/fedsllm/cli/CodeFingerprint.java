package io.fedsllm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What identifies the code a run was started with: the SHA-256 of the jar it runs from (or, run from a classes
 * directory as in the tests, of every file in it, in path order). A run resumes only with the same code: the results of
 * a resumed run must equal an uninterrupted one's, and other code (defaults, arithmetic) would not give them.
 */
final class CodeFingerprint {
    private CodeFingerprint() {}

    static String of() {
        try {
            Path source = Path.of(CodeFingerprint.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            if (Files.isRegularFile(source)) {
                sha.update(Files.readAllBytes(source));
            } else {
                List<Path> files;
                try (Stream<Path> s = Files.walk(source)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path f : files) {
                    sha.update(source.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    sha.update(Files.readAllBytes(f));
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the code to fingerprint it", e);
        } catch (URISyntaxException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
