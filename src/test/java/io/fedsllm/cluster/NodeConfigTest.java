package io.fedsllm.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node settings from role files and flags; the Pekko configuration built from them; the user's errors. */
class NodeConfigTest {

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "message lacks '" + p + "': " + message);
        }
    }

    private static NodeSettings settings(Role role, Config flags) {
        return NodeSettings.from(flags.withFallback(NodeConfig.roleDefaults(role)).resolve(), role);
    }

    private static String rejected(Role role, Config flags) {
        return assertThrows(UserError.class, () -> settings(role, flags)).getMessage();
    }

    @Test
    void everyRoleFileIncludesApplicationConfFromTheJarAndAddsItsKeys() {
        for (Role role : Role.values()) {
            Config c = NodeConfig.roleDefaults(role);
            assertEquals(ConfigLoader.defaults().getInt("fedsllm.seed"), c.getInt("fedsllm.seed"), role + ": application.conf included");
            assertTrue(c.hasPath("pekko.cluster.downing-provider-class"), role.configName());
        }
        assertEquals(25520, NodeConfig.roleDefaults(Role.COORDINATOR).getInt("fedsllm.cluster.port"));
        assertEquals(25521, NodeConfig.roleDefaults(Role.MAIN_SERVER).getInt("fedsllm.cluster.port"));
        assertEquals("auto", NodeConfig.roleDefaults(Role.MAIN_SERVER).getString("fedsllm.train.device"));
        assertEquals("cpu", NodeConfig.roleDefaults(Role.CLIENTS).getString("fedsllm.train.device"));
    }

    @Test
    void aRoleFileOnTheFileSystemLoadsAsAConfigFile() {
        Config c = ConfigLoader.load(Path.of("deploy", "main-server.conf"), List.of("cluster.port=30000"));
        assertEquals("auto", c.getString("fedsllm.train.device"));
        assertEquals(30000, c.getInt("fedsllm.cluster.port"));
        assertEquals(ConfigLoader.defaults().getInt("fedsllm.system.clients"), c.getInt("fedsllm.system.clients"));
        Config overRole = ConfigLoader.load(NodeConfig.roleDefaults(Role.FED_SERVER), null, List.of("cluster.host=node-2.lab"));
        assertEquals(25522, overRole.getInt("fedsllm.cluster.port"));
        assertEquals("node-2.lab", overRole.getString("fedsllm.cluster.host"));
    }

    @Test
    void aNodeWithoutTlsMaterialRefusesToStartUnlessToldInsecure() {
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags("127.0.0.1", 25530, null, null, false)),
                "needs TLS material", "--tls-dir DIR", "deploy/gen-certs.sh", "--insecure");
        NodeSettings s = settings(Role.CLIENTS, NodeSettings.flags("127.0.0.1", 25530, null, null, true));
        assertTrue(s.insecure());
        Config pekko = NodeConfig.build(s, NodeConfig.roleDefaults(Role.CLIENTS));
        assertEquals("tcp", pekko.getString("pekko.remote.artery.transport"));
        assertEquals(List.of("clients"), pekko.getStringList("pekko.cluster.roles"));
    }

    @Test
    void tlsAndInsecureTogetherAreRejected(@TempDir Path dir) {
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, null, null, dir, true)),
                "fedsllm.cluster.tls-dir", "--tls-dir", "not both");
    }

    @Test
    void badSeedNodesPortsAndHostsNameTheFlagAndWhatIsAllowed() {
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, null, "127.0.0.1:25520,127.0.0.1", null, true)),
                "fedsllm.cluster.seed-nodes", "--seed-nodes", "'127.0.0.1' is not host:port", "[1, 65535]");
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, null, "h:0", null, true)), "'h:0' is not host:port");
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, null, "h:x", null, true)), "'h:x' is not host:port");
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, 70000, null, null, true)),
                "fedsllm.cluster.port", "70000", "--port", "[0, 65535]");
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags("a b", null, null, null, true)),
                "fedsllm.cluster.host", "--host", "a hostname or IPv4 address");
        assertMentions(assertThrows(UserError.class, () -> Role.parse("server", "--role")).getMessage(),
                "--role 'server' is not a role", "coordinator", "main-server", "fed-server", "clients");
    }

    @Test
    void aTlsFolderLackingAStoreIsRejectedNamingTheMissingFiles(@TempDir Path dir) throws Exception {
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, null, null, dir.resolve("nowhere"), false)),
                "--tls-dir", "does not exist", "deploy/gen-certs.sh");
        Files.writeString(dir.resolve("keystore.p12"), "x");
        assertMentions(rejected(Role.CLIENTS, NodeSettings.flags(null, null, null, dir, false)),
                "--tls-dir", "lacks truststore.p12, password");
    }

    @Test
    void aTlsNodeGetsMutuallyAuthenticatedArteryWithItsStoresSeedsAndRole(@TempDir Path dir) throws Exception {
        TestCerts.generate(dir, "ms");
        NodeSettings s = settings(Role.MAIN_SERVER,
                NodeSettings.flags("127.0.0.1", 25601, "127.0.0.1:25600, 127.0.0.1:25601", dir.resolve("ms"), false));
        Config c = NodeConfig.build(s, NodeConfig.roleDefaults(Role.MAIN_SERVER));
        assertEquals("cluster", c.getString("pekko.actor.provider"));
        assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
        assertEquals("127.0.0.1", c.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(25601, c.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of("pekko://fedsllm@127.0.0.1:25600", "pekko://fedsllm@127.0.0.1:25601"),
                c.getStringList("pekko.cluster.seed-nodes"));
        assertEquals(List.of("main-server"), c.getStringList("pekko.cluster.roles"));
        Config ssl = c.getConfig("pekko.remote.artery.ssl.config-ssl-engine");
        assertEquals(dir.resolve("ms/keystore.p12").toAbsolutePath().toString(), ssl.getString("key-store"));
        assertEquals(dir.resolve("ms/truststore.p12").toAbsolutePath().toString(), ssl.getString("trust-store"));
        String password = Files.readString(dir.resolve("ms/password")).trim();
        assertEquals(password, ssl.getString("key-store-password"));
        assertEquals(password, ssl.getString("trust-store-password"));
        assertTrue(ssl.getBoolean("require-mutual-authentication"));
        assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider", c.getString("pekko.cluster.downing-provider-class"));
        assertEquals("static-quorum", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        assertEquals("coordinator", c.getString("pekko.cluster.split-brain-resolver.static-quorum.role"));
        assertFalse(s.toString().contains(password), "the password never appears in a printed setting");
    }
}
