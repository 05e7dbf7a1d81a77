package io.fedsllm.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.UserError;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a cluster node lives and how it talks to the others ({@code fedsllm.cluster}, set per role by
 * {@code deploy/<role>.conf} and per node by the {@code node} command's flags, see {@link #flags}).
 *
 * @param role       the node's role
 * @param systemName the ActorSystem name, the same on every node
 * @param host       canonical hostname or IPv4 address
 * @param port       canonical port, 0 = any free port
 * @param seedNodes  the nodes contacted to join, the first one forms the cluster
 * @param tlsDir     the node's TLS material (see {@link TlsMaterial}); null exactly when {@code insecure}
 * @param insecure   plain TCP, no encryption, no authentication
 * @param endTimeout how long the coordinator node waits at the end of a run for the other nodes to leave
 */
public record NodeSettings(Role role, String systemName, String host, int port, List<HostPort> seedNodes,
                           TlsMaterial tlsDir, boolean insecure, Duration endTimeout) {

    /** Pekko's rule for ActorSystem names. */
    private static final Pattern SYSTEM_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]*");

    public NodeSettings {
        seedNodes = List.copyOf(seedNodes);
        if ((tlsDir == null) != insecure) {
            throw new IllegalArgumentException("a node is either insecure or has TLS material, exactly one");
        }
    }

    /** Reads and validates {@code fedsllm.cluster}; every error names the key, the value, its origin and what is allowed. */
    public static NodeSettings from(Config config, Role role) {
        ConfigReader r = ConfigReader.root(config).section("cluster");
        String systemName = r.getString("system-name");
        if (!SYSTEM_NAME.matcher(systemName).matches()) {
            throw r.bad(r.key("system-name"), "letters, digits, '-' and '_', starting with a letter or digit");
        }
        String host = r.getString("host");
        if (!HostPort.validHost(host)) {
            throw r.bad(r.key("host"), "a hostname or IPv4 address, e.g. 127.0.0.1 or node-3.lab");
        }
        int port = r.intInRange("port", 0, 65535);
        List<String> seedTexts = r.getStringList("seed-nodes");
        if (seedTexts.isEmpty()) {
            throw r.bad(r.key("seed-nodes"), "at least one host:port, e.g. [\"127.0.0.1:25520\"] (--seed-nodes 127.0.0.1:25520)");
        }
        List<HostPort> seeds = new ArrayList<>();
        for (String s : seedTexts) {
            seeds.add(HostPort.parse(s, "config key '" + r.key("seed-nodes") + "'" + origin(r, "seed-nodes")));
        }
        String tls = r.getString("tls-dir");
        boolean insecure = r.getBoolean("insecure");
        if (insecure && !tls.isBlank()) {
            throw r.invalid("tls-dir", "give a TLS folder (--tls-dir) or insecure = true (--insecure), not both");
        }
        if (!insecure && tls.isBlank()) {
            throw new UserError("a cluster node needs TLS material: --tls-dir DIR (fedsllm.cluster.tls-dir), a folder made by"
                    + " 'deploy/gen-certs.sh CERTS NAME...' (DIR = CERTS/NAME); on a network you trust completely,"
                    + " --insecure (fedsllm.cluster.insecure = true) runs plain TCP without encryption or authentication");
        }
        TlsMaterial material = insecure ? null : TlsMaterial.in(Path.of(tls), "config key '" + r.key("tls-dir") + "'"
                + origin(r, "tls-dir"));
        Duration endTimeout = r.durationInRange("end-timeout", Duration.ofSeconds(1), Duration.ofHours(1));
        return new NodeSettings(role, systemName, host, port, seeds, material, insecure, endTimeout);
    }

    /**
     * The {@code node} command's flags as a configuration layer over the role's keys; a null flag is left out. Each
     * value's origin is its flag, so errors read "config key 'fedsllm.cluster.port' = 70000 (--port): expected ...".
     *
     * @param seedNodes comma-separated {@code H1:P1,H2:P2}
     */
    public static Config flags(String host, Integer port, String seedNodes, Path tlsDir, boolean insecure) {
        Config c = ConfigFactory.empty();
        if (host != null) {
            c = c.withValue("fedsllm.cluster.host", ConfigValueFactory.fromAnyRef(host, "--host"));
        }
        if (port != null) {
            c = c.withValue("fedsllm.cluster.port", ConfigValueFactory.fromAnyRef(port, "--port"));
        }
        if (seedNodes != null) {
            List<String> list = Arrays.stream(seedNodes.split(",", -1)).map(String::trim).toList();
            c = c.withValue("fedsllm.cluster.seed-nodes", ConfigValueFactory.fromIterable(list, "--seed-nodes"));
        }
        if (tlsDir != null) {
            c = c.withValue("fedsllm.cluster.tls-dir", ConfigValueFactory.fromAnyRef(tlsDir.toString(), "--tls-dir"));
        }
        if (insecure) {
            c = c.withValue("fedsllm.cluster.insecure", ConfigValueFactory.fromAnyRef(true, "--insecure"));
        }
        return c;
    }

    /** This node's own address as other nodes see it (the port as configured, 0 when any free port). */
    public HostPort address() {
        return new HostPort(host, port);
    }

    private static String origin(ConfigReader r, String name) {
        var v = r.config().getValue(r.key(name));
        return v.origin() == null ? "" : " (" + v.origin().description() + ")";
    }
}
