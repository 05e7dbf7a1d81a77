package io.fedsllm.emu;

import io.fedsllm.cluster.Courier;
import io.fedsllm.emu.Coordinator.Command;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Parties that stop, in every phase: a party its guardian reports stopped (a client is left out, a server's scripted
 * crash restarts every party, any other server's stop ends the run), a guardian whose whole node went, and a message
 * of the run that could not be delivered. Lost clients are never planned again (one that crashed by the scenario is
 * hosted anew at a round start, {@link CoordinatorRoundStart}), and the round start, the round or the checkpoint goes
 * on without them.
 */
final class CoordinatorLosses extends CoordinatorPart {

    CoordinatorLosses(CoordinatorRun run) {
        super(run);
    }

    Behavior<Command> onPartyTerminated(Coordinator.PartyTerminated m) {
        if (run.end.stopping()) {
            return Behaviors.same(); // stopping: parties go
        }
        boolean server = m.role().equals(MainServer.ROLE) || m.role().equals(FedServer.ROLE);
        if (server && m.crash() != null && !run.restarts.restarting()) {
            return run.restarts.restart(m.role(), m.crash());
        }
        if (!m.role().equals(Client.ROLE) || m.party() < 0 || m.party() >= parties.k()) {
            return run.end.fail("the " + m.role() + " stopped unexpectedly " + (run.round < 0 ? "before the first round"
                    : "in round " + run.round) + (m.cause() == null ? "" : ": " + m.cause()), false);
        }
        return clientsLost(List.of(m.party()), m.cause(), m.crash());
    }

    /**
     * A guardian the coordinator enrolled terminated: on a cluster its whole node is gone (the JVM died and the split
     * brain resolver downed it, or it left). The live clients it hosted are lost with the reason; a server's node ends
     * the run.
     */
    Behavior<Command> onGuardianTerminated(Coordinator.GuardianTerminated m) {
        if (run.end.stopping()) {
            return Behaviors.same(); // stopping: nodes go
        }
        String gone = "its node " + m.guardian().path().address() + " left the cluster (its JVM stopped, or it was downed "
                + "as unreachable)";
        if (!m.role().equals(RoleGuardian.Role.CLIENTS.id)) {
            return run.restarts.serverNodeLost(m.role(), m.guardian(), gone);
        }
        return nodeLost(m.guardian(), gone);
    }

    /**
     * A clients guardian's node is gone (it left the cluster) or cannot be reached: the live clients it hosted are lost
     * with the reason (from the round in progress), those waiting to be hosted anew there are not waited for, and a
     * clients node started again may bring them all back at a later round start.
     */
    private Behavior<Command> nodeLost(ActorRef<RoleGuardian.Command> guardian, String why) {
        boolean wasLate = nodes.isLate(guardian);
        nodes.hostLost(guardian);
        if (wasLate) {
            ctx.getLog().warn("the clients node {} that appeared during the run is gone: {}", guardian.path().address(), why);
            return Behaviors.same();
        }
        boolean respawning = false;
        for (int c : List.copyOf(run.pendingRespawns)) {
            if (guardian.equals(parties.host(c))) {
                run.pendingRespawns.remove(c);
                nodes.lostWithNode(c, -1);
                respawning = true;
            }
        }
        Behavior<Command> next = clientsLost(parties.liveHostedBy(guardian), why, null, true);
        if (!respawning) {
            return next;
        }
        Behavior<Command> planned = run.roundStart.roundStartDone();   // the round start waited for them too
        return planned == Behaviors.<Command>same() ? next : planned;
    }

    /**
     * A message of the run was not delivered ({@link Outbox}). A target that is gone from a node that is there is what
     * a dead letter is in one JVM: the target's guardian reports its stop (the coordinator's death watch a guardian's),
     * so it is only logged. A client whose node cannot be reached is lost, with every live client of that node, as if
     * the node had left the cluster (it may come back started again). Anything else — the message itself cannot
     * travel (it cannot be serialized or deserialized, or exceeds {@code cluster.courier.max-message-size}), or the
     * node of a server, of the evaluator or of the coordinator cannot be reached — ends the run naming the message,
     * its target and the cause.
     */
    Behavior<Command> onUndelivered(Coordinator.Undelivered m) {
        if (run.end.stopping()) {
            return Behaviors.same(); // stopping: nodes go
        }
        String what = "a " + m.message() + " for " + m.target().path() + " could not be delivered: " + m.reason();
        if (m.cause() == Courier.Cause.TARGET || m.cause() == Courier.Cause.SENDER) {
            ctx.getLog().info("{} (its end is reported by its guardian)", what);
            return Behaviors.same();
        }
        if (m.cause() == Courier.Cause.NODE) {
            int c = parties.clientOf(m.target());
            if (c >= 0) {
                ActorRef<RoleGuardian.Command> host = parties.host(c);
                return !parties.alive(c) || host == null || nodes.isLost(host) ? Behaviors.same()
                        : nodeLost(host, "its node " + m.target().path().address() + " cannot be reached (" + what + ")");
            }
            if (parties.isGuardian(m.target()) || isServer(m.target())) {
                ctx.getLog().warn("{} (the death watch of the guardian tells whether its node is gone)", what);
                return Behaviors.same();
            }
        }
        return run.end.fail((run.round < 0 ? "before the first round" : "round " + run.round) + ": " + what, false);
    }

    /** Whether {@code ref} is a server of the run (this incarnation or an earlier one: a child of a server guardian). */
    private boolean isServer(ActorRef<?> ref) {
        return ref.equals(parties.mainServer) || ref.equals(parties.fedServer)
                || ref.path().name().equals(MainServer.ROLE) || ref.path().name().equals(FedServer.ROLE);
    }

    /**
     * Client actors that stopped (all with {@code cause}, null for a stop without failure; {@code crash} for a scripted
     * crash): never planned again (a crashed one is hosted anew later), their devices dropped from the round in
     * progress (from the next one when the round's record is written already), the servers told; the round start, the
     * round or the checkpoint goes on without them.
     */
    private Behavior<Command> clientsLost(List<Integer> lost, String cause, ScriptedCrash.Info crash) {
        return clientsLost(lost, cause, crash, false);
    }

    /** As {@link #clientsLost(List, String, ScriptedCrash.Info)}; {@code withNode}: lost with their node. */
    private Behavior<Command> clientsLost(List<Integer> lost, String cause, ScriptedCrash.Info crash, boolean withNode) {
        boolean roundStart = false;
        boolean forgotten = false;
        for (int c : lost) {
            if (!parties.die(c)) {
                continue;
            }
            if (parties.mainServer != null) {
                outbox.send(parties.mainServer, new MainServer.ClientLost(c));
            }
            if (parties.fedServer != null) {
                outbox.send(parties.fedServer, new FedServer.ClientLost(c));
            }
            run.checkpoints.lost(c);
            if (run.pendingKills.remove(c)) {
                roundStart = true; // stopped for good at the round start (listed as dropped there)
                continue;
            }
            if (run.pendingCrashes.remove(c)) {
                run.respawnDue.add(c); // its device crashed at the round start; a new actor is its next incarnation
                roundStart = true;
                continue;
            }
            int device = real ? c : run.book != null ? run.book.device(c) : -1;
            if (device >= 0) {
                (run.checkpoints.inProgress() ? run.droppedNext : run.dropped).add(device);
            }
            if (crash != null) {
                run.respawnDue.add(c);
                ctx.getLog().info("client {} (device {}) crashed in round {} (scenario line {}): left out of the round", c,
                        device, run.round, crash.line());
            } else {
                if (device >= 0) {
                    run.deadDevices.set(device);
                }
                if (withNode) {
                    nodes.lostWithNode(c, device);   // a clients node started again may bring it back
                }
                if (cause != null) {
                    // Not a scripted stop: the client's own failure (a rejection of a bad message never stops it).
                    run.clientFailures.put(device >= 0 ? device : c, cause);
                    ctx.getLog().warn("client {} failed during round {}: left out from now on ({})", c, run.round, cause);
                } else {
                    ctx.getLog().warn("client {} died during round {}: left out from now on", c, run.round);
                }
            }
            forgotten |= run.book != null && run.book.forget(c);
        }
        if (run.checkpoints.complete()) {
            return run.checkpoints.checkpointTaken();
        }
        return roundStart ? run.roundStart.roundStartDone() : forgotten ? run.rounds.progress() : Behaviors.same();
    }
}
