package io.fedsllm.cluster;

import io.fedsllm.emu.CborSerializable;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The root actor of a cluster node that hosts a role (main server, federated server or clients; not the coordinator):
 * it spawns the role's actors ({@code Emulator.roleNode}), registers with the Receptionist under {@link #KEY} so that
 * the coordinator node can tell it when the run is over ({@link RunOver}), and follows the cluster's membership. When
 * the run is over it leaves the cluster by a coordinated shutdown, which then terminates its actor system; it stops
 * (terminating the system at once) when the coordinator node is removed from the cluster without having said so, or
 * when the role's actors stop. Why it ended completes {@code outcome}: null for a run that finished, else the reason. (When the node itself is
 * downed or cannot join, Pekko terminates the system: the node command tells that case by the shutdown reason.)
 */
public final class RoleNode {
    private RoleNode() {}

    public sealed interface Command permits RunOver, MemberRemoved {}

    /** From the coordinator node: the run is over; {@code failure} is why it failed, null when it finished. */
    public record RunOver(String failure) implements Command, CborSerializable {}

    /** A member was removed from the cluster (this node's subscription). */
    private record MemberRemoved(ClusterEvent.MemberRemoved event) implements Command {}

    /** The Receptionist key of every role node: the coordinator node tells them all that the run is over. */
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "fedsllm-role-node");

    /** The node's root: {@code roleActors} as its child "node". */
    public static Behavior<Command> create(Behavior<Void> roleActors, CompletableFuture<String> outcome) {
        return Behaviors.setup(ctx -> {
            ActorRef<Void> node = ctx.spawn(roleActors, "node");
            ctx.watch(node);
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
                    ctx.messageAdapter(ClusterEvent.MemberRemoved.class, MemberRemoved::new), ClusterEvent.MemberRemoved.class));
            String coordinator = Role.COORDINATOR.configName();
            return Behaviors.receive(Command.class)
                    .onMessage(RunOver.class, m -> {
                        outcome.complete(m.failure() == null ? null : "the run failed: " + m.failure());
                        // Leave gracefully (Leaving, Exiting, Removed as the coordinator sees it), then terminate.
                        // Stopping this actor instead terminates the system at once: the node's JVM could exit
                        // before the coordinator saw it leave, and an unreachable member blocks the coordinator's
                        // own exit until the split brain resolver downs it (longer than emu.shutdown-timeout).
                        CoordinatedShutdown.get(ctx.getSystem()).run(CoordinatedShutdown.clusterLeavingReason());
                        return Behaviors.same();
                    })
                    .onMessage(MemberRemoved.class, m -> {
                        if (!m.event().member().hasRole(coordinator)) {
                            return Behaviors.same();
                        }
                        outcome.complete("the coordinator node " + m.event().member().address() + " left the cluster "
                                + "before it told this node that the run is over (it crashed or was stopped: see its output)");
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, t -> {
                        String cause = t instanceof ChildFailed f ? ": " + f.cause() : "";
                        outcome.complete("the role's actors stopped" + cause + " (see the log above)");
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }
}
