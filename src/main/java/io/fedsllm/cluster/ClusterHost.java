package io.fedsllm.cluster;

import com.typesafe.config.Config;
import io.fedsllm.emu.Emulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator node of a cluster as an {@link Emulator.Host}: the run's actor system is this node's
 * ({@link NodeConfig#start}: Artery with TLS, the seed nodes, the courier) and hosts no role, whose guardians the
 * other nodes host. At the end it tells every role node that the run is over ({@link RoleNode.RunOver}, with the
 * failure if any), waits up to {@code fedsllm.cluster.end-timeout} for them to leave the cluster, and returns; the
 * run's system then terminates, which makes this node leave too.
 */
public final class ClusterHost implements Emulator.Host {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterHost.class);

    private final NodeSettings settings;

    public ClusterHost(NodeSettings settings) {
        this.settings = settings;
    }

    @Override
    public boolean hostsRoles() {
        return false;
    }

    @Override
    public ActorSystem<Void> start(Behavior<Void> root, Config pekko) {
        ActorSystem<Void> system = NodeConfig.start(root, settings, pekko);
        LOG.info("{} node {} is up; waiting for the parties to join (fedsllm.emu.party-timeout)",
                settings.role().configName(), system.address());
        return system;
    }

    @Override
    public void end(ActorSystem<Void> system, String failure) {
        if (system.whenTerminated().isCompleted()) {
            return;
        }
        long deadline = System.nanoTime() + settings.endTimeout().toNanos();
        try {
            Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                    r -> Receptionist.find(RoleNode.KEY, r), settings.endTimeout(), system.scheduler())
                    .toCompletableFuture().get(settings.endTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Set<ActorRef<RoleNode.Command>> nodes = listing.getServiceInstances(RoleNode.KEY);
            for (ActorRef<RoleNode.Command> node : nodes) {
                node.tell(new RoleNode.RunOver(failure));
            }
            LOG.info("told {} role nodes that the run is over; waiting for them to leave the cluster", nodes.size());
            while (true) {
                List<String> staying = staying(system);
                if (staying.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warn("these nodes did not leave the cluster within {} (fedsllm.cluster.end-timeout): {}; this node "
                            + "leaves now", settings.endTimeout(), staying);
                    return;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("could not tell the role nodes that the run is over ({}); this node leaves the cluster now: they "
                    + "end when they see it go", e.toString());
        }
    }

    /**
     * The other members still in the cluster that this node can reach (an unreachable one is being downed by the
     * split brain resolver, and would not hear anything).
     */
    private static List<String> staying(ActorSystem<?> system) {
        Cluster cluster = Cluster.get(system);
        Set<Member> unreachable = cluster.state().getUnreachable();
        List<String> out = new ArrayList<>();
        for (Member m : cluster.state().getMembers()) {
            if (!m.equals(cluster.selfMember()) && !unreachable.contains(m)) {
                out.add(m.address() + " " + m.status());
            }
        }
        return out;
    }
}
