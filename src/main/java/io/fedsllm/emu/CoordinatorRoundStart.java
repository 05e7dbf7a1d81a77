package io.fedsllm.emu;

import io.fedsllm.emu.Coordinator.Command;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The start of a global round, before it is planned ({@link CoordinatorRounds}): the devices that go down now (killed
 * for good, or crashing by the scenario), the client actors stopped by an earlier scripted crash hosted anew, and the
 * clients of a clients node started again that take the places of clients lost with their node.
 */
final class CoordinatorRoundStart extends CoordinatorPart {

    CoordinatorRoundStart(CoordinatorRun run) {
        super(run);
    }

    /**
     * Round start: the devices killed for good (emu.kill-at-round) or crashing now by the scenario are down (real mode:
     * their actors are stopped); client actors stopped by an earlier scripted crash are hosted anew. The round is
     * planned once all of that is through.
     */
    Behavior<Command> beginRound(int r, double startS, Behavior<Command> running) {
        run.round = r;
        run.roundStartS = startS;
        run.dropped.clear();
        run.dropped.addAll(run.droppedNext);   // lost while the previous round's checkpoint was taken
        run.droppedNext.clear();
        run.notes.clear();
        run.notes.addAll(run.carriedNotes);
        run.carriedNotes.clear();
        run.book = null;
        for (Map.Entry<Integer, Integer> e : emu.killAtRound().entrySet()) {
            int d = e.getKey();
            if (e.getValue() == r && !run.deadDevices.get(d)) {
                run.deadDevices.set(d);
                run.dropped.add(d);
                if (real && parties.alive(d)) {
                    run.pendingKills.add(d);
                    outbox.send(parties.client(d), Client.Crash.INSTANCE);
                }
            }
        }
        for (int d : scenario.crashesAt(r)) {
            run.dropped.add(d);
            if (real && parties.alive(d) && !run.pendingKills.contains(d)) {
                run.pendingCrashes.add(d); // a crashed device loses what it held: its actor stops, and is hosted anew
                outbox.send(parties.client(d), Client.Crash.INSTANCE);
            }
        }
        takeBack();
        respawn();
        arm(roundWait());
        return throughStops() ? run.rounds.runRound(running) : running;
    }

    /** Whether no client actor is still to stop or to be hosted anew at the round start. */
    private boolean throughStops() {
        return run.pendingKills.isEmpty() && run.pendingCrashes.isEmpty() && run.pendingRespawns.isEmpty();
    }

    /** Asks the guardians of the client actors due to be hosted anew for them (answered by ClientsEnrolled). */
    private void respawn() {
        Map<ActorRef<RoleGuardian.Command>, List<Integer>> byHost = new LinkedHashMap<>();
        for (int c : run.respawnDue) {
            if (!parties.alive(c) && parties.host(c) != null && nodes.isLost(parties.host(c))) {
                nodes.lostWithNode(c, -1);   // its node is gone: it comes back only with a node started again
            } else if (!parties.alive(c) && parties.host(c) != null) {
                byHost.computeIfAbsent(parties.host(c), g -> new ArrayList<>()).add(c);
                run.pendingRespawns.add(c);
            }
        }
        run.respawnDue.clear();
        byHost.forEach((g, ids) -> outbox.send(g, new RoleGuardian.Respawn(ids)));
    }

    Behavior<Command> onRespawned(Coordinator.ClientsEnrolled m) {
        if (!run.pendingRespawns.containsAll(m.ids())) {
            return reject(m, "clients " + m.ids() + " were not asked for");
        }
        String bad = parties.rejoin(m.ids(), m.clients(), m.guardian());
        if (bad != null) {
            return reject(m, bad);
        }
        for (int i = 0; i < m.ids().size(); i++) {
            int c = m.ids().get(i);
            run.pendingRespawns.remove(c);
            outbox.send(parties.mainServer, new MainServer.ClientBack(c, m.clients().get(i)));
            outbox.send(parties.fedServer, new FedServer.ClientBack(c, m.clients().get(i)));
            outbox.send(m.clients().get(i), new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
        }
        return roundStartDone();
    }

    /** A guardian found after the run started hosts these clients: they wait to come back (next round starts). */
    Behavior<Command> offered(Coordinator.ClientsEnrolled m) {
        String bad = nodes.offer(m.ids(), m.clients(), m.guardian(), parties.k());
        if (bad != null) {
            return reject(m, bad);
        }
        List<Integer> alive = m.ids().stream().filter(parties::alive).toList();
        ctx.getLog().info("clients {} of {} wait to come back at a round start{}", m.ids(), m.guardian().path().address(),
                alive.isEmpty() ? "" : " (" + alive + " have live actors elsewhere still: they come back once those are "
                        + "lost with their node)");
        return Behaviors.same();
    }

    /**
     * Round start: clients hosted by a clients node started again (a guardian found after the run started) take the
     * places of clients lost with their node. Their new actors are wired to the servers ({@code ClientBack}) and given
     * their peers; they are planned from this round on and receive the current global LoRA with the round's broadcast,
     * as after a scripted rejoin. The devices they were in when lost are selectable again (and not listed as dropped in
     * this round when they were lost after the previous round's record: they missed no round), clientFailures says
     * they came back, and events.jsonl has a {@code node-rejoined} line.
     */
    private void takeBack() {
        nodes.due(parties).forEach((guardian, ids) -> {
            List<ActorRef<Client.Command>> refs = ids.stream().map(nodes::ref).toList();
            String bad = parties.rejoin(ids, refs, guardian);
            if (bad != null) {
                ctx.getLog().warn("clients {} of {} cannot come back: {}", ids, guardian.path().address(), bad);
                return;
            }
            String node = guardian.path().address().toString();
            TreeSet<Integer> devices = new TreeSet<>();
            for (int i = 0; i < ids.size(); i++) {
                int c = ids.get(i);
                int device = nodes.back(c, guardian);
                if (device >= 0) {
                    run.deadDevices.clear(device);
                    run.dropped.remove(device);   // lost since the last round's record, back before this round: missed none
                    devices.add(device);
                }
                run.clientFailures.computeIfPresent(device >= 0 ? device : c, (key, why) -> why + "; back from round "
                        + run.round + " (its clients node started again: " + node + ")");
                outbox.send(parties.mainServer, new MainServer.ClientBack(c, refs.get(i)));
                outbox.send(parties.fedServer, new FedServer.ClientBack(c, refs.get(i)));
                outbox.send(refs.get(i), new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
            }
            run.notes.add(new Note(null, run.roundStartS, "node-rejoined", List.copyOf(devices), "client actors " + ids
                    + " hosted again by a clients node started again (" + node + "): planned from this round on"));
            ctx.getLog().info("round {}: clients {} are back, hosted by {}", run.round, ids, node);
        });
    }

    /** A round start's stops and respawns are through: the round is planned (once). */
    Behavior<Command> roundStartDone() {
        return throughStops() && run.book == null && run.round >= 0 ? run.rounds.runRound(Behaviors.same())
                : Behaviors.same();
    }
}
