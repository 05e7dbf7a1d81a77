package io.fedsllm.cluster;

import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's TLS folder as {@code deploy/gen-certs.sh DIR NAME} writes it (DIR/NAME): {@code keystore.p12} (the
 * node's key and its certificate signed by the cluster's CA), {@code truststore.p12} (the CA certificate) and
 * {@code password} (of both stores and the key, first line).
 *
 * @param keyStore   the PKCS12 key store
 * @param trustStore the PKCS12 trust store
 * @param password   the stores' password
 */
public record TlsMaterial(Path keyStore, Path trustStore, String password) {
    public static final String KEY_STORE = "keystore.p12";
    public static final String TRUST_STORE = "truststore.p12";
    public static final String PASSWORD = "password";

    /** Checks the folder and reads its password; {@code where} names the key or flag in the error message. */
    public static TlsMaterial in(Path dir, String where) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new UserError(where + ": TLS folder " + abs + " does not exist; make it with 'deploy/gen-certs.sh CERTS NAME'"
                    + " and give CERTS/NAME");
        }
        List<String> missing = new ArrayList<>();
        for (String f : List.of(KEY_STORE, TRUST_STORE, PASSWORD)) {
            if (!Files.isReadable(abs.resolve(f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new UserError(where + ": TLS folder " + abs + " lacks " + String.join(", ", missing) + " (readable files "
                    + KEY_STORE + ", " + TRUST_STORE + ", " + PASSWORD + " are needed, as 'deploy/gen-certs.sh CERTS NAME' writes"
                    + " them into CERTS/NAME)");
        }
        String password;
        try {
            password = Files.readAllLines(abs.resolve(PASSWORD), StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
        } catch (IOException e) {
            throw new UserError(where + ": cannot read " + abs.resolve(PASSWORD) + ": " + e.getMessage(), e);
        }
        if (password.isEmpty()) {
            throw new UserError(where + ": " + abs.resolve(PASSWORD) + " is empty: its first line is the stores' password");
        }
        return new TlsMaterial(abs.resolve(KEY_STORE), abs.resolve(TRUST_STORE), password);
    }

    @Override
    public String toString() {
        return "TlsMaterial[" + keyStore.getParent() + "]";   // never the password
    }
}
