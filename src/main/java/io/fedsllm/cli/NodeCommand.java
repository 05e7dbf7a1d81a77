package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.cluster.ClusterHost;
import io.fedsllm.cluster.NodeConfig;
import io.fedsllm.cluster.NodeSettings;
import io.fedsllm.cluster.Role;
import io.fedsllm.cluster.RoleNode;
import io.fedsllm.config.UserError;
import io.fedsllm.emu.Emulator;
import io.fedsllm.emu.RoleGuardian;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code node}: one node of a cluster, one role per JVM (docs/cluster.md). The coordinator node runs
 * the experiment of {@code run}'s options and writes {@code run}'s outputs ({@link RunDriver}); the other nodes host
 * their role's parties, receive the experiment from the coordinator when it enrols them, and end when it tells them
 * the run is over. Exit code: 0 when the run finished; 1 (with a message) when it failed or the node lost the cluster;
 * 2 for a user error.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = {"Start one node of a cluster: coordinator (runs the experiment and writes the outputs, like run), "
                + "main-server, fed-server or clients (host their parties). Start the coordinator first: it is the first "
                + "seed node. Every node exits when the run is over.",
                "The run options (--scheme ... --overwrite) are the coordinator's only; --config and --set apply to "
                        + "every node (give every node the same)."})
public final class NodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Mixin
    RunOptions options;

    @Option(names = "--role", required = true, description = "coordinator | main-server | fed-server | clients")
    String role;

    @Option(names = "--host", description = "hostname or IPv4 address the other nodes reach this node at "
            + "(default: cluster.host)")
    String host;

    @Option(names = "--port", description = "Artery TCP port, 0 = any free port (default: cluster.port, per role)")
    Integer port;

    @Option(names = "--seed-nodes", paramLabel = "H1:P1,H2:P2", description = "nodes contacted to join, the coordinator "
            + "first (default: cluster.seed-nodes)")
    String seedNodes;

    @Option(names = "--tls-dir", paramLabel = "DIR", description = "this node's TLS folder made by deploy/gen-certs.sh "
            + "(CERTS/NAME): mutual TLS with every other node")
    Path tlsDir;

    @Option(names = "--insecure", description = "plain TCP without encryption or authentication (a network you trust "
            + "completely)")
    boolean insecure;

    @Option(names = "--client-ids", paramLabel = "IDS", description = "clients node: the client ids it hosts, e.g. 0-4,7 "
            + "(default: all K clients)")
    String clientIds;

    @Option(names = "--client-share", paramLabel = "I/N", description = "clients node: the I-th of N contiguous, nearly "
            + "equal ranges of the K client ids, e.g. 2/3 (K comes from the coordinator)")
    String clientShare;

    @Override
    public Integer call() {
        Role r = Role.parse(role, "--role");
        if (r != Role.COORDINATOR && !options.given().isEmpty()) {
            throw new UserError(String.join(", ", options.given()) + ": the run options are the coordinator node's "
                    + "(--role coordinator); a " + r.configName() + " node receives the experiment from it");
        }
        RoleGuardian.ClientIds ids = clients(r);
        Config c = config.load(NodeConfig.roleDefaults(r), r == Role.COORDINATOR ? options.flags() : List.of());
        Config effective = NodeSettings.flags(host, port, seedNodes, tlsDir, insecure).withFallback(c);
        NodeSettings settings = NodeSettings.from(effective, r);
        if (r == Role.COORDINATOR) {
            return RunDriver.start(effective, config.inputs(), options.overwrite,
                    (cc, sink, progress) -> Emulator.run(cc, sink, progress, new ClusterHost(settings)));
        }
        return serve(r, ids, settings, effective);
    }

    /** A role node: hosts the role's guardian until the run is over or the node loses the cluster. */
    private int serve(Role r, RoleGuardian.ClientIds ids, NodeSettings settings, Config effective) {
        RoleGuardian.Role hosted = RoleGuardian.Role.valueOf(r.name());
        CompletableFuture<String> outcome = new CompletableFuture<>();
        ActorSystem<RoleNode.Command> system = NodeConfig.start(RoleNode.create(Emulator.roleNode(hosted, ids), outcome),
                settings, Emulator.nodeConfig(effective));
        org.slf4j.LoggerFactory.getLogger(NodeCommand.class).info("{} node {} started; joining the cluster through {}",
                r.configName(), system.address(), settings.seedNodes());
        system.getWhenTerminated().toCompletableFuture().join();
        String why = outcome.isDone() ? outcome.join() : lost(system, settings);
        if (why != null) {
            spec.commandLine().getErr().println("error: " + r.configName() + " node " + system.address() + ": " + why);
            return 1;
        }
        spec.commandLine().getOut().println(r.configName() + " node " + system.address() + ": the run is over; left the "
                + "cluster");
        return 0;
    }

    /** Why a role node's system terminated before the coordinator said the run is over (Pekko's shutdown reason). */
    private static String lost(ActorSystem<?> system, NodeSettings settings) {
        Object reason = CoordinatedShutdown.get(system).getShutdownReason().orElse(null);
        if (reason == CoordinatedShutdown.clusterJoinUnsuccessfulReason()) {
            return "could not join the cluster through " + settings.seedNodes() + " within "
                    + "pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes: the seed nodes are down or unreachable, "
                    + "or refused this node's certificate (another CA?)";
        }
        if (reason == CoordinatedShutdown.clusterDowningReason()) {
            return "this node was downed before the run was over: the coordinator node became unreachable from it, or it "
                    + "from the coordinator node (the split brain resolver keeps the coordinator's side)";
        }
        return "the node stopped before the run was over (" + (reason == null ? "no reason given" : reason) + ")";
    }

    /** The clients a clients node hosts, from --client-ids or --client-share (neither: all K). */
    private RoleGuardian.ClientIds clients(Role r) {
        if (r != Role.CLIENTS && (clientIds != null || clientShare != null)) {
            throw new UserError((clientIds != null ? "--client-ids" : "--client-share") + " is for clients nodes "
                    + "(--role clients), not --role " + r.configName());
        }
        if (clientIds != null && clientShare != null) {
            throw new UserError("give --client-ids or --client-share, not both");
        }
        if (clientShare != null) {
            return share(clientShare);
        }
        return clientIds == null ? RoleGuardian.ClientIds.ALL : RoleGuardian.ClientIds.of(ids(clientIds));
    }

    private static final Pattern RANGE = Pattern.compile("(\\d{1,9})(?:-(\\d{1,9}))?");
    private static final Pattern SHARE = Pattern.compile("(\\d{1,9})/(\\d{1,9})");

    /** {@code 0-4,7} → [0, 1, 2, 3, 4, 7]. */
    static List<Integer> ids(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Matcher m = RANGE.matcher(part.trim());
            int from = m.matches() ? Integer.parseInt(m.group(1)) : -1;
            int to = m.matches() && m.group(2) != null ? Integer.parseInt(m.group(2)) : from;
            if (from < 0 || to < from || to - from >= 10_000_000) {
                throw new UserError("--client-ids '" + text + "': '" + part + "' is not a client id or a range low-high "
                        + "(low <= high); expected e.g. 0-4,7");
            }
            for (int c = from; c <= to; c++) {
                out.add(c);
            }
        }
        return out;
    }

    /** {@code 2/3} → the second of three shares. */
    static RoleGuardian.ClientIds share(String text) {
        Matcher m = SHARE.matcher(text.trim());
        if (m.matches()) {
            int i = Integer.parseInt(m.group(1));
            int n = Integer.parseInt(m.group(2));
            if (n >= 1 && i >= 1 && i <= n) {
                return RoleGuardian.ClientIds.share(i, n);
            }
        }
        throw new UserError("--client-share '" + text + "': expected I/N with 1 <= I <= N, e.g. 1/2 (the first of two "
                + "nearly equal ranges of the K client ids)");
    }
}
