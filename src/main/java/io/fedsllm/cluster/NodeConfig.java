package io.fedsllm.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.fedsllm.config.ConfigError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The Pekko configuration of a cluster node: {@code provider = cluster}, Artery over {@code tls-tcp} with mutual
 * authentication (or plain {@code tcp} when the settings say insecure), the canonical address, the seed nodes and
 * the role, layered over the effective configuration (application.conf, the role's file, --config, --set), which
 * holds the rest: serialization bindings, the split brain resolver, coordinated shutdown, the courier's channel.
 */
public final class NodeConfig {
    private NodeConfig() {}

    /**
     * application.conf plus the role's keys, from the copy of {@code deploy/<role>.conf} inside the jar (its
     * {@code include "application.conf"} finds the jar's application.conf), resolved.
     */
    public static Config roleDefaults(Role role) {
        try {
            Config c = ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), role.configResource(),
                    ConfigParseOptions.defaults().setAllowMissing(false));
            return c.resolve();
        } catch (ConfigException e) {
            throw new IllegalStateException("the jar's " + role.configResource() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Starts the node's ActorSystem with {@link #build} and its {@link Courier} (before the guardian's actors can
     * send anything, and before other nodes ask for the courier's port).
     */
    public static <T> ActorSystem<T> start(Behavior<T> guardian, NodeSettings node, Config effective) {
        ActorSystem<T> system = ActorSystem.create(guardian, node.systemName(), build(node, effective));
        try {
            Courier.get(system);
        } catch (RuntimeException e) {
            system.terminate();
            throw e;
        }
        return system;
    }

    /** The configuration to start the node's ActorSystem with (named {@link NodeSettings#systemName()}). */
    public static Config build(NodeSettings node, Config effective) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pekko.actor.provider", "cluster");
        m.put("pekko.remote.artery.transport", node.insecure() ? "tcp" : "tls-tcp");
        m.put("pekko.remote.artery.canonical.hostname", node.host());
        m.put("pekko.remote.artery.canonical.port", node.port());
        m.put("pekko.cluster.seed-nodes", node.seedNodes().stream().map(s -> s.pekkoAddress(node.systemName())).toList());
        m.put("pekko.cluster.roles", List.of(node.role().configName()));
        if (!node.insecure()) {
            TlsMaterial tls = node.tlsDir();
            String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
            m.put(engine + "key-store", tls.keyStore().toString());
            m.put(engine + "key-store-password", tls.password());
            m.put(engine + "key-password", tls.password());
            m.put(engine + "trust-store", tls.trustStore().toString());
            m.put(engine + "trust-store-password", tls.password());
            // Every node must present a certificate of the cluster's CA, also when it is the one being connected to.
            m.put(engine + "require-mutual-authentication", "on");
            // Certificates say "member of this cluster", not "this host": addresses may be IPs not in the SAN.
            m.put(engine + "hostname-verification", "off");
        }
        try {
            return ConfigFactory.parseMap(m, "node settings (fedsllm.cluster)").withFallback(effective)
                    .withFallback(ConfigFactory.defaultReference()).resolve();
        } catch (ConfigException e) {
            throw new ConfigError("node configuration cannot be resolved: " + e.getMessage(), e);
        }
    }
}
