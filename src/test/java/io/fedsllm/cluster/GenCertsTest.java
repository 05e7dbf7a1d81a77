package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/gen-certs.sh: a CA, per node a key store signed by it and a trust store holding it, secrets readable by the owner only. */
class GenCertsTest {

    private static KeyStore load(Path store, Path passwordFile) throws Exception {
        char[] password = Files.readAllLines(passwordFile).get(0).trim().toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        return ks;
    }

    private static Set<String> subjectAltNames(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).collect(Collectors.toSet());
    }

    @Test
    void eachNodeGetsAKeySignedByTheCaAndATrustStoreHoldingTheCa(@TempDir Path dir) throws Exception {
        TestCerts.generate(dir, "main-server", "10.1.2.3");
        KeyStore ca = load(dir.resolve("ca/ca.p12"), dir.resolve("ca/password"));
        X509Certificate caCert = (X509Certificate) ca.getCertificate("ca");
        for (String name : List.of("main-server", "10.1.2.3")) {
            Path node = dir.resolve(name);
            KeyStore keys = load(node.resolve("keystore.p12"), node.resolve("password"));
            assertEquals(List.of("node"), Collections.list(keys.aliases()), "the key store holds the node's key only");
            assertTrue(keys.isKeyEntry("node"));
            Certificate[] chain = keys.getCertificateChain("node");
            assertEquals(2, chain.length, "node certificate + CA");
            X509Certificate leaf = (X509Certificate) chain[0];
            leaf.verify(caCert.getPublicKey());   // signed by the CA
            assertEquals("CN=" + name, leaf.getSubjectX500Principal().getName());
            assertEquals(Set.of("localhost", "127.0.0.1", name), subjectAltNames(leaf));
            assertTrue(leaf.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
                    "server and client authentication (mutual TLS)");
            KeyStore trust = load(node.resolve("truststore.p12"), node.resolve("password"));
            assertEquals(List.of("ca"), Collections.list(trust.aliases()));
            assertArrayEquals(caCert.getEncoded(), trust.getCertificate("ca").getEncoded());
            for (String f : List.of("keystore.p12", "truststore.p12", "password")) {
                assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                        Files.getPosixFilePermissions(node.resolve(f)), f + " is the owner's only");
            }
        }
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(dir.resolve("ca/password")));
        assertFalse(Files.readString(dir.resolve("main-server/password")).equals(Files.readString(dir.resolve("10.1.2.3/password"))),
                "every node has its own password");
    }

    @Test
    void runningAgainReusesTheCaAndLeavesExistingNodesAlone(@TempDir Path dir) throws Exception {
        TestCerts.generate(dir, "a");
        byte[] caBefore = Files.readAllBytes(dir.resolve("ca/ca.crt"));
        byte[] aBefore = Files.readAllBytes(dir.resolve("a/keystore.p12"));
        TestCerts.Result again = TestCerts.run(dir, "a", "b");
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("node a: " + dir.resolve("a") + " exists, left as it is"), again.output());
        assertArrayEquals(caBefore, Files.readAllBytes(dir.resolve("ca/ca.crt")));
        assertArrayEquals(aBefore, Files.readAllBytes(dir.resolve("a/keystore.p12")));
        KeyStore b = load(dir.resolve("b/keystore.p12"), dir.resolve("b/password"));
        KeyStore ca = load(dir.resolve("ca/ca.p12"), dir.resolve("ca/password"));
        b.getCertificate("node").verify(ca.getCertificate("ca").getPublicKey());
    }

    @Test
    void badNamesAndMissingArgumentsAreRejectedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        TestCerts.Result bad = TestCerts.run(dir.resolve("certs"), "ok", "../escape");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.output().contains("node name '../escape' is not allowed"), bad.output());
        assertFalse(Files.exists(dir.resolve("certs")), "nothing written");
        TestCerts.Result usage = TestCerts.run(dir.resolve("certs"));
        assertEquals(2, usage.exitCode());
        assertTrue(usage.output().startsWith("usage:"), usage.output());
    }
}
