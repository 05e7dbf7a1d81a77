package io.fedsllm.emu;

import io.fedsllm.emu.Coordinator.Command;
import java.util.EnumMap;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A server crash: every party restarts from the last checkpoint. A server stopped by its scenario, or a server's node
 * that went (on a cluster), makes every guardian that takes part stop its parties and host them anew; once all are
 * back they are wired, continue from the last checkpoint ({@link CoordinatorCheckpoints#restore}) and the round is done
 * again. A server whose node went restarts on a node of its role that joined: a spare, or the next to join.
 */
final class CoordinatorRestarts extends CoordinatorPart {
    private int resetsPending;               // a server restart: guardians not yet back with their new parties
    private ScriptedCrash.Info restart;      // the server crash being recovered from
    private String restartedRole;
    private String restartCause;             // null: a scripted crash; else why a server's node went
    private RoleGuardian.Role awaitedServer; // a server's node went: the role whose node started again is awaited
    private final EnumMap<RoleGuardian.Role, ActorRef<RoleGuardian.Command>> spares =
            new EnumMap<>(RoleGuardian.Role.class);   // server nodes that joined during the run, unused

    CoordinatorRestarts(CoordinatorRun run) {
        super(run);
    }

    /** Whether a server crash is being recovered from (its parties are being hosted anew). */
    boolean restarting() {
        return restart != null;
    }

    /**
     * A server stopped by its scenario: every guardian stops its parties and hosts them anew (nothing of the round is
     * left in flight), then all continue from the last checkpoint and the round is done again from the crash's time.
     */
    Behavior<Command> restart(String role, ScriptedCrash.Info crash) {
        if (run.checkpoints.last() == null) {
            return run.end.fail("the " + role + " crashed (scenario line " + crash.line() + ") but there is no "
                    + "checkpoint to restart it from", false);
        }
        run.crashesDone.add(crash.line());
        ctx.getLog().warn("the {} crashed in round {} at {} s (scenario line {}): every party restarts from the checkpoint "
                + "of round {}", role, crash.round(), crash.timeS(), crash.line(), run.round - 1);
        return restartAll(role, crash, null, 0);
    }

    /**
     * Every guardian that takes part stops its parties and hosts them anew ({@code extra}: further enrolments awaited,
     * a server's node started again); once all are back, {@link #reset()}. {@code cause}: null for a scripted crash,
     * else why the server's node went.
     */
    private Behavior<Command> restartAll(String role, ScriptedCrash.Info crash, String cause, int extra) {
        restart = crash;
        restartedRole = role;
        restartCause = cause;
        run.book = null;
        run.checkpoints.abandon();
        run.pendingKills.clear();
        run.pendingCrashes.clear();
        run.pendingRespawns.clear();
        // Guardians whose node is gone, or whose clients wait to come back, are not in the run: not asked.
        List<ActorRef<RoleGuardian.Command>> guardians = parties.guardians().stream().filter(nodes::takesPart).toList();
        resetsPending = guardians.size() + extra;
        guardians.forEach(g -> outbox.send(g, new RoleGuardian.Reset()));
        arm(kit.runtime().partyTimeout());
        return commonWithServers(this::reset)
                .onMessage(Coordinator.Listed.class, run.enrolment::onListed)
                .onMessage(Coordinator.ClientsEnrolled.class, m -> {
                    if (nodes.isLate(m.guardian())) {
                        return run.roundStart.offered(m);
                    }
                    m.ids().forEach(parties::die);
                    String bad = parties.rejoin(m.ids(), m.clients(), m.guardian());
                    return bad != null ? run.end.fail("a restarted guardian: " + bad, false) : reset();
                })
                .onMessage(Coordinator.Timeout.class, m -> stale(m) ? Behaviors.same()
                        : run.end.fail(awaitedServer != null ? "round " + run.round + ": the " + role + " stopped "
                                + "unexpectedly: " + restartCause + "; no " + awaitedServer.id + " node joined within "
                                + kit.runtime().partyTimeout() + " (fedsllm.emu.party-timeout) to restart it"
                                : "after the " + role + "'s " + (restartCause == null ? "crash " : "node went ")
                                + resetsPending + " guardians did not host their parties anew within "
                                + kit.runtime().partyTimeout() + " (fedsllm.emu.party-timeout)", false))
                .onMessage(Command.class, m -> Behaviors.same()) // the abandoned round's last words
                .build();
    }

    /** A guardian is back with new parties; once all are: wire them, restore the checkpoint, redo the round. */
    private Behavior<Command> reset() {
        if (--resetsPending > 0) {
            return Behaviors.same();
        }
        run.enrolment.wire();
        ScriptedCrash.Info crash = restart;
        restart = null;
        double at = Math.max(crash.timeS(), run.roundStartS);
        Behavior<Command> next = run.checkpoints.restore(run.checkpoints.last(), at, run.rounds.running());
        String again = "every party restarted from the checkpoint of round " + (crash.round() - 1) + " and round "
                + crash.round() + " is done again from " + at + " s";
        run.notes.add(restartCause == null
                ? new Note(crash.iteration(), crash.timeS(), "crash-" + restartedRole, List.of(), "the " + restartedRole
                        + " crashed (scenario line " + crash.line() + "); " + again)
                : new Note(null, crash.timeS(), "node-restarted", List.of(), "the " + restartedRole + " stopped: "
                        + restartCause + "; its node started again hosts it, " + again));
        return next;
    }

    /**
     * A server guardian found after the run started: it takes the place of the server whose node went (a server node
     * started again), or waits as a spare for that to happen; it takes no other part.
     */
    void serverNodeJoined(RoleGuardian.Role r, ActorRef<RoleGuardian.Command> g) {
        ctx.watchWith(g, new Coordinator.GuardianTerminated(r.id, g));
        if (r == awaitedServer) {
            awaitedServer = null;
            enrolReplacement(g);
        } else if (!spares.containsKey(r)) {
            spares.put(r, g);
            nodes.ignore(g);
            ctx.getLog().info("a {} node at {} joined while the run is under way: it takes the {}'s place if that one's "
                    + "node goes", r.id, g.path().address(), r.id);
        } else {
            nodes.ignore(g);
            ctx.getLog().warn("a {} guardian at {} appeared while the run is under way: it takes no part", r.id,
                    g.path().address());
        }
    }

    private void enrolReplacement(ActorRef<RoleGuardian.Command> g) {
        nodes.promote(g);
        ctx.getLog().info("the {} restarts on the node at {}", restartedRole, g.path().address());
        outbox.send(g, new RoleGuardian.Enroll(kit.experiment(), scenario.text(),
                scenario.file() == null ? null : scenario.file().toString(), ctx.getSelf()));
    }

    /**
     * A server's guardian went with its node (on a cluster: the JVM died, or the node was downed). A spare that went
     * is only forgotten. The node of a server in the run: every party restarts from the last checkpoint, the server on
     * a node of its role that joined (a spare, or the next to join within {@code emu.party-timeout}), and the round in
     * progress is done again from its start (the node's end has no time on the virtual clock); the run fails when
     * there is no checkpoint, or when the run was restarting already.
     */
    Behavior<Command> serverNodeLost(String role, ActorRef<RoleGuardian.Command> g, String gone) {
        RoleGuardian.Role r = role.equals(MainServer.ROLE) ? RoleGuardian.Role.MAIN_SERVER : RoleGuardian.Role.FED_SERVER;
        if (g.equals(spares.get(r)) || nodes.isIgnored(g)) {
            spares.remove(r, g);
            ctx.getLog().warn("a {} node that took no part went: {}", role, gone);
            return Behaviors.same();
        }
        int round = run.round;
        String stopped = "the " + role + " stopped unexpectedly " + (round < 0 ? "before the first round" : "in round "
                + round) + ": " + gone;
        if (run.checkpoints.last() == null || restart != null) {
            return run.end.fail(stopped + (run.checkpoints.last() == null ? "; there is no checkpoint to restart it "
                    + "from (fedsllm.emu.checkpoints = off)" : "; the run was restarting already"), false);
        }
        nodes.hostLost(g);
        ActorRef<RoleGuardian.Command> spare = spares.remove(r);
        ctx.getLog().warn("{}; every party restarts from the checkpoint of round {}, the {} on {}", stopped, round - 1,
                role, spare != null ? "the node at " + spare.path().address() : "the next " + role + " node to join");
        Behavior<Command> next = restartAll(role, new ScriptedCrash.Info(-1, round, -1, run.roundStartS), gone, 1);
        if (spare != null) {
            enrolReplacement(spare);
        } else {
            awaitedServer = r;
        }
        return next;
    }
}
