package io.fedsllm.cluster;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The courier's TLS: the same key store, trust store, protocol and cipher suites as Artery's
 * ({@code pekko.remote.artery.ssl.config-ssl-engine}, written by {@link NodeConfig}), with mutual authentication
 * and no hostname verification, so a node trusts exactly the nodes Artery trusts.
 */
final class CourierTls {
    private final SSLContext context;
    private final String[] protocols;
    private final String[] suites;

    private CourierTls(SSLContext context, String[] protocols, String[] suites) {
        this.context = context;
        this.protocols = protocols;
        this.suites = suites;
    }

    /** The TLS of a node whose Artery transport is {@code tls-tcp}; null for plain {@code tcp}. */
    static CourierTls fromArtery(Config config) {
        if (!config.getString("pekko.remote.artery.transport").equals("tls-tcp")) {
            return null;
        }
        Config ssl = config.getConfig("pekko.remote.artery.ssl.config-ssl-engine");
        try {
            KeyStore keys = load(ssl.getString("key-store"), ssl.getString("key-store-password"));
            KeyStore trust = load(ssl.getString("trust-store"), ssl.getString("trust-store-password"));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, ssl.getString("key-password").toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            String protocol = ssl.getString("protocol");
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            List<String> suites = ssl.getStringList("enabled-algorithms");
            return new CourierTls(context, new String[] {protocol}, suites.toArray(String[]::new));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the courier cannot set up TLS from " + ssl.getString("key-store") + ": " + e, e);
        }
    }

    private static KeyStore load(String file, String password) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    /** Wraps a connected socket as the TLS client side; the handshake happens on first use. */
    SSLSocket client(Socket plain, String host, int port) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        s.setEnabledProtocols(protocols);
        s.setEnabledCipherSuites(suites);
        return s;
    }

    /** A server socket that demands a certificate of the cluster's CA from every client. */
    SSLServerSocket server() throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        s.setEnabledProtocols(protocols);
        s.setEnabledCipherSuites(suites);
        s.setNeedClientAuth(true);
        return s;
    }
}
