package io.fedsllm.emu;

import io.fedsllm.emu.Coordinator.Command;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The coordinator's checkpoints: at the end of a round (or at the start of the run) every party is asked for its
 * state; with the coordinator's own ({@link CoordinatorState}) it is kept as the last state, what a crashed server
 * restarts from, and goes to the recorder. A resumed run, and every party after a server's restart, continue from
 * such a state ({@link #restore}).
 */
final class CoordinatorCheckpoints extends CoordinatorPart {
    private Map<String, byte[]> lastState;   // the last round's state (checkpoint files): what a crashed server restarts from
    private boolean initialState;            // the state being collected is the start's (before round 0), kept only in memory
    private Map<String, byte[]> checkpointStates;   // a checkpoint in progress: the states received so far
    private int checkpointPending;
    private String stopAfterCheckpoint;
    private double nextStartS;

    CoordinatorCheckpoints(CoordinatorRun run) {
        super(run);
    }

    /** The start of the run, before round 0: the parties' state, kept in memory only (what round 0 restarts from). */
    Behavior<Command> initial(Behavior<Command> next) {
        initialState = true;
        return checkpoint(0.0, null, next);
    }

    /**
     * The end of a round (or, with {@link #initialState}, the start of the run): every party is asked for its state;
     * the checkpoint is kept to restart a crashed server from and, unless it is the start's, goes to the recorder.
     */
    Behavior<Command> checkpoint(double nextStart, String stop, Behavior<Command> next) {
        nextStartS = nextStart;
        stopAfterCheckpoint = stop;
        checkpointStates = new TreeMap<>();
        checkpointPending = 0;
        ActorRef<Command> self = ctx.getSelf();
        outbox.send(parties.mainServer, new MainServer.Snapshot(run.round, self));
        outbox.send(parties.fedServer, new FedServer.Snapshot(run.round, self));
        checkpointPending += 2;
        if (kit.evaluator() != null) {
            outbox.send(kit.evaluator(), new RoundEvaluator.Snapshot(self));
            checkpointPending++;
        }
        for (int c : parties.live()) {
            outbox.send(parties.client(c), new Client.Snapshot(run.round, self));
            checkpointPending++;
        }
        arm(roundWait());
        return next;
    }

    Behavior<Command> onPartyState(Coordinator.PartyState m) {
        if (checkpointStates == null) {
            return reject(m, "no checkpoint in progress");
        }
        String key = m.role().equals(Client.ROLE) ? CoordinatorState.clientKey(m.party()) : m.role();
        if (m.role().equals(Client.ROLE) && m.party() >= 0 && m.party() < parties.k() && !parties.alive(m.party())) {
            // Lost while the checkpoint was taken: the checkpoint stopped waiting for this state (clientsLost).
            ctx.getLog().info("round {}: the state of client {} came after it was lost; the checkpoint goes without it",
                    run.round, m.party());
            return Behaviors.same();
        }
        if (checkpointStates.put(key, m.state()) != null) {
            return reject(m, "a second state of " + key);
        }
        return --checkpointPending > 0 ? Behaviors.same() : checkpointTaken();
    }

    /** Every state of the checkpoint is in (or its client is gone): it is kept, the run goes on. */
    Behavior<Command> checkpointTaken() {
        List<Integer> dead = new ArrayList<>();
        for (int c = 0; c < parties.k(); c++) {
            if (!parties.alive(c) && parties.client(c) != null && !run.respawnDue.contains(c)) {
                dead.add(c);
            }
        }
        CoordinatorState state = new CoordinatorState(run.round, nextStartS, stopAfterCheckpoint, dead,
                run.clientFailures, run.bytesMain, run.bytesFed, run.records, run.audit.stats(Coordinator.ROLE, -1),
                run.deadDevices.stream().boxed().toList(), List.copyOf(run.respawnDue), List.copyOf(run.crashesDone),
                run.lastLora);
        Map<String, byte[]> files = new TreeMap<>();
        files.put(CoordinatorState.FILE, Saved.cbor(state));
        files.put(CoordinatorState.PARTIES, Saved.cbor(new CoordinatorState.Parties(checkpointStates)));
        checkpointStates = null;
        lastState = files;
        if (initialState) {
            initialState = false;
        } else if (kit.runtime().checkpoints()) {
            outbox.send(kit.recorder(), new Recorder.Checkpoint(run.round, files));
        }
        return stopAfterCheckpoint != null ? run.end.finish(stopAfterCheckpoint)
                : run.roundStart.beginRound(run.round + 1, nextStartS, Behaviors.same());
    }

    /**
     * Every party and the coordinator continue from a checkpoint's state, then the next round starts: at the
     * checkpoint's time (a resumed run), or at {@code startS} (a restart after a server crash: the time until the
     * crash is spent).
     */
    Behavior<Command> restore(Map<String, byte[]> files, Double startS, Behavior<Command> next) {
        CoordinatorState st = Saved.cbor(files.get(CoordinatorState.FILE), CoordinatorState.class);
        Map<String, byte[]> states = Saved.cbor(files.get(CoordinatorState.PARTIES), CoordinatorState.Parties.class).states();
        outbox.send(parties.mainServer, new MainServer.Restore(states.get(MainServer.ROLE)));
        outbox.send(parties.fedServer, new FedServer.Restore(states.get(FedServer.ROLE)));
        if (kit.evaluator() != null && states.containsKey(RoundEvaluator.ROLE)) {
            outbox.send(kit.evaluator(), new RoundEvaluator.Restore(states.get(RoundEvaluator.ROLE)));
        }
        for (int c = 0; c < parties.k(); c++) {
            byte[] s = states.get(CoordinatorState.clientKey(c));
            if (s != null && parties.client(c) != null) {
                outbox.send(parties.client(c), new Client.Restore(s));
            }
        }
        st.dead().forEach(parties::die);
        for (int c = 0; c < parties.k(); c++) {
            // The checkpoint's dead, and (on a cluster) clients lost with their node since then, not hosted anew.
            if (parties.client(c) != null && !parties.alive(c)) {
                outbox.send(parties.mainServer, new MainServer.ClientLost(c));
                outbox.send(parties.fedServer, new FedServer.ClientLost(c));
            }
        }
        run.records.clear();
        run.records.addAll(st.records());
        run.clientFailures.clear();
        run.clientFailures.putAll(st.clientFailures());
        run.bytesMain = st.bytesMain();
        run.bytesFed = st.bytesFed();
        run.deadDevices.clear();
        st.deadDevices().forEach(run.deadDevices::set);
        run.respawnDue.clear(); // every client actor is new now
        run.crashesDone.addAll(st.crashesDone());
        run.lastLora = st.lastLora(); // a run resumed after its last round still writes the LoRA it ended with
        run.audit.restore(st.audit());
        run.round = st.round();
        lastState = files;
        double at = startS != null ? startS : st.nextStartS();
        ctx.getLog().info("{} after round {} (virtual {} s)", startS != null ? "restarted" : "resumed", st.round(), at);
        return st.stop() != null ? run.end.finish(st.stop()) : run.roundStart.beginRound(st.round() + 1, at, next);
    }

    /** The last checkpoint's files (null before the first): what every party restarts from after a server's crash. */
    Map<String, byte[]> last() {
        return lastState;
    }

    /** Whether a checkpoint is in progress (its states are being collected). */
    boolean inProgress() {
        return checkpointStates != null;
    }

    /** The checkpoint in progress is given up (every party restarts: it will not be completed). */
    void abandon() {
        checkpointStates = null;
    }

    /**
     * Client {@code c} is lost: a checkpoint in progress that asked for its state does not wait for it any more.
     * Whether that leaves the checkpoint complete is {@link #complete()}.
     */
    void lost(int c) {
        if (checkpointStates != null && !checkpointStates.containsKey(CoordinatorState.clientKey(c))) {
            checkpointPending--;   // asked for its state, which will never come
        }
    }

    /** Whether a checkpoint is in progress and waits for no further state (its missing clients were lost). */
    boolean complete() {
        return checkpointStates != null && checkpointPending <= 0;
    }

    /** The coordinator's wait ran out during a checkpoint: what it waited for, within {@code t}; null without one. */
    String overdue(String t) {
        return checkpointStates == null ? null : checkpointPending + " parties did not give their state for the "
                + "checkpoint within " + t + " (received: " + checkpointStates.keySet() + ")";
    }
}
