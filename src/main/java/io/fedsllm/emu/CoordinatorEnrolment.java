package io.fedsllm.emu;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.emu.Coordinator.Command;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator's first phase: it subscribes to the Receptionist's lists of the role guardians, enrols each
 * guardian found (and watches it: its node may go as a whole), and once every party is announced wires them to each
 * other and starts the run — round 0, a resumed run's next round, or first the start's checkpoint. Guardians found
 * later are clients nodes started again, or server nodes for {@link CoordinatorRestarts}.
 */
final class CoordinatorEnrolment extends CoordinatorPart {
    private boolean started;   // every party joined: the run is under way

    CoordinatorEnrolment(CoordinatorRun run) {
        super(run);
    }

    Behavior<Command> enrolling() {
        ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Coordinator.Listed::new);
        for (RoleGuardian.Role r : RoleGuardian.Role.values()) {
            if (r != RoleGuardian.Role.CLIENTS || emu.scheme() != Scheme.CENTRALIZED) {
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleGuardian.key(r), listings));
            }
        }
        arm(kit.runtime().partyTimeout());
        return commonWithServers(this::maybeEnrolled)
                .onMessage(Coordinator.Listed.class, this::onListed)
                .onMessage(Coordinator.ClientsEnrolled.class, m -> {
                    String bad = parties.join(m.ids(), m.clients(), m.guardian());
                    return bad != null ? reject(m, bad) : maybeEnrolled();
                })
                .onMessage(Coordinator.Timeout.class, m -> stale(m) ? Behaviors.same()
                        : run.end.fail("after " + kit.runtime().partyTimeout() + " (fedsllm.emu.party-timeout) these "
                                + "parties have not joined: " + parties.missing(), false))
                .onMessage(Command.class, m -> reject(m, "not expected while the parties join"))
                .build();
    }

    Behavior<Command> onListed(Coordinator.Listed m) {
        for (RoleGuardian.Role r : RoleGuardian.Role.values()) {
            if (m.listing().isForKey(RoleGuardian.key(r))) {
                for (ActorRef<RoleGuardian.Command> g : m.listing().getServiceInstances(RoleGuardian.key(r))) {
                    if (!parties.newGuardian(g)) {
                        continue;
                    }
                    if (started && r != RoleGuardian.Role.CLIENTS) {
                        run.restarts.serverNodeJoined(r, g);
                        continue;
                    }
                    if (started) {
                        // A clients node started again (or added): its clients may take the places of clients lost
                        // with their node, at a round start.
                        nodes.late(g);
                        ctx.getLog().info("a clients guardian at {} appeared while the run is under way: enrolled; its "
                                + "clients come back in the places of clients lost with their node", g.path().address());
                    }
                    // Its node may go as a whole (a cluster node's JVM dies): no guardian would report its parties.
                    ctx.watchWith(g, new Coordinator.GuardianTerminated(r.id, g));
                    outbox.send(g, new RoleGuardian.Enroll(kit.experiment(), scenario.text(),
                            scenario.file() == null ? null : scenario.file().toString(), ctx.getSelf()));
                }
            }
        }
        return Behaviors.same();
    }

    /** Once every party is announced: wire them to each other and start round 0. */
    private Behavior<Command> maybeEnrolled() {
        if (!parties.missing().isEmpty()) {
            return Behaviors.same();
        }
        started = true;
        wire();
        if ((emu.scheme() == Scheme.SL || emu.scheme() == Scheme.FL) && emu.planner() == EmuSettings.PlannerChoice.BCD) {
            ctx.getLog().warn("fedsllm.emu.planner = bcd is not used by fedsllm.emu.scheme = {}: {}; set emu.planner = "
                    + "equal to silence this", ConfigReader.configName(emu.scheme()), emu.scheme() == Scheme.SL
                    ? "sl plans each client alone on the whole band (equal subchannels, exact power, every split and rank)"
                    : "fl gives every client equal fed-link subchannels with exact power, at rank lora.rank");
        }
        if (kit.resume() != null) {
            return run.checkpoints.restore(kit.resume(), null, run.rounds.running());
        }
        if (scenario.hasServerCrashes() || kit.runtime().checkpoints() && onCluster()) {
            // A server crashing in round 0 (or, on a cluster, a server's node going) restarts from the start: the
            // parties' state now, kept in memory.
            return run.checkpoints.initial(run.rounds.running());
        }
        return run.roundStart.beginRound(0, 0.0, run.rounds.running());
    }

    /** Whether the parties live on other nodes of a cluster (whose JVMs may die), not in this JVM. */
    private boolean onCluster() {
        return parties.guardians().stream().anyMatch(g -> g.path().address().hasGlobalScope());
    }

    /** Tells every party who the others are (at enrolment, and after a restart brought new parties). */
    void wire() {
        List<ActorRef<Client.Command>> clients = List.copyOf(parties.clients());
        outbox.send(parties.mainServer, new MainServer.Peers(clients, parties.fedServer, ctx.getSelf()));
        outbox.send(parties.fedServer, new FedServer.Peers(clients, parties.mainServer, ctx.getSelf()));
        for (ActorRef<Client.Command> c : clients) {
            outbox.send(c, new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
        }
    }
}
