package io.fedsllm.emu;

import io.fedsllm.scenario.Node;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * What the two servers keep alike beside their rounds: their peers and which clients are lost, what they carry from
 * one round to the next ({@link Saved}: the last round, the blocks held, the global copy's version) with its
 * checkpoint (snapshot and restore), their message audit and its rejections, the stash of blocks that overtake a
 * round's plan, their one wait timer, and their scripted crashes. One per server actor, owned by it; the server keeps
 * its phases, its round and its compute.
 *
 * <p>The array of lost clients is allocated once, by the first {@link #onPeers peers} message, and only changed in
 * place: the rounds are given it ({@link FedRound} reads it as it changes).
 *
 * @param <C> the server's command type
 * @param <P> the server's peers message
 */
final class ServerParty<C, P extends C> {
    private static final String TIMER = "wait";

    /** How a server is made once its actor is: its phase between rounds, the first. */
    interface Start<C> {
        Behavior<C> idle(ActorContext<C> ctx, StashBuffer<C> stash, TimerScheduler<C> timers, PartyAudit audit);
    }

    /** How a server's peers message is read: its clients, its coordinator, and the same peers with other clients. */
    record PeersOf<P>(Function<P, List<ActorRef<Client.Command>>> clients,
            Function<P, ActorRef<Coordinator.Command>> coordinator,
            BiFunction<P, List<ActorRef<Client.Command>>, P> withClients) {}

    private final String name;
    private final String role;
    private final ActorContext<C> ctx;
    private final StashBuffer<C> stash;
    private final TimerScheduler<C> timers;
    private final PartyAudit audit;
    private final Outbox outbox;
    private final BlockHandover blocks;
    private final PeersOf<P> peersOf;
    private P peers;
    private boolean[] lost;
    private int lastRound = -1;
    private long version;

    /**
     * @param name   the server in the log ("main server", "federated server")
     * @param role   its role in the reports ({@link MainServer#ROLE}, {@link FedServer#ROLE})
     * @param blocks the blocks it holds before the first round
     */
    ServerParty(String name, String role, ActorContext<C> ctx, StashBuffer<C> stash, TimerScheduler<C> timers,
            PartyAudit audit, BlockHandover blocks, PeersOf<P> peersOf) {
        this.name = name;
        this.role = role;
        this.ctx = ctx;
        this.stash = stash;
        this.timers = timers;
        this.audit = audit;
        this.outbox = Outbox.of(ctx.getSystem(), null);
        this.blocks = blocks;
        this.peersOf = peersOf;
    }

    /**
     * A server's behaviour: every message counted by its audit first, stopped by a scripted crash, with a stash for
     * messages that overtake a round's plan and a timer for its waits.
     */
    static <C> Behavior<C> behavior(Class<C> type, Start<C> start) {
        PartyAudit audit = new PartyAudit();
        return audit.counting(type, ScriptedCrash.crashable(Behaviors.setup(ctx -> Behaviors.withStash(64, stash ->
                Behaviors.withTimers(timers -> start.idle(ctx, stash, timers, audit))))));
    }

    Outbox outbox() {
        return outbox;
    }

    Logger log() {
        return ctx.getLog();
    }

    BlockHandover blocks() {
        return blocks;
    }

    /** The peers (null before the first peers message). */
    P peers() {
        return peers;
    }

    ActorRef<Coordinator.Command> coordinator() {
        return peersOf.coordinator().apply(peers);
    }

    /** By client id: gone for good (null before the first peers message). */
    boolean[] lost() {
        return lost;
    }

    /** The last round the server took part in (-1: none yet). */
    int lastRound() {
        return lastRound;
    }

    /** Round {@code round} starts: it is the last round from now on. */
    void begin(int round) {
        lastRound = round;
    }

    /** The global copy's version (federated server; the main server's stays 0). */
    long version() {
        return version;
    }

    /** The global copy changed. */
    void nextVersion() {
        version++;
    }

    /** Logs and counts a message the server cannot take; the behaviour stays. */
    Behavior<C> reject(C m, String why) {
        audit.rejected();
        ctx.getLog().warn("{} rejected {}: {}", name, m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }

    /** The behaviour every phase starts from: messages with an invalid arrival time are rejected, peers are taken. */
    BehaviorBuilder<C> receive(Class<C> type, Class<P> peersType) {
        return Behaviors.receive(type)
                .onMessage(type, Arrival::isInvalid, m -> reject(m, Arrival.why((Arrival) m)))
                .onMessage(peersType, this::onPeers);
    }

    /** Why a round's participants and their devices do not fit the run's clients, or null. */
    String misfit(List<Integer> participants, List<Integer> devices) {
        for (int c : participants) {
            if (c < 0 || c >= lost.length) {
                return "unknown client " + c;
            }
        }
        if (devices.size() != participants.size()) {
            return devices.size() + " devices for " + participants.size() + " participants";
        }
        return null;
    }

    /** Blocks sent by the other server before the next round's plan reached this one: kept for that round. */
    Behavior<C> stashEarly(C m, int round, String what) {
        if (round != lastRound + 1 || stash.isFull()) {
            return reject(m, what + " for round " + round + " unexpected");
        }
        stash.stash(m);
        return Behaviors.same();
    }

    /** {@code next} after the messages stashed so far. */
    Behavior<C> unstashAll(Behavior<C> next) {
        return stash.unstashAll(next);
    }

    /** Waits {@code after} for what is awaited; then {@code timeout} arrives (replaces the wait armed before). */
    void await(C timeout, Duration after) {
        timers.startSingleTimer(TIMER, timeout, after);
    }

    /** The wait is over. */
    void stopWaiting() {
        timers.cancel(TIMER);
    }

    private Behavior<C> onPeers(P m) {
        List<ActorRef<Client.Command>> clients = peersOf.clients().apply(m);
        if (lost != null && clients.size() != lost.length) {
            return reject(m, clients.size() + " clients, the run has " + lost.length);
        }
        peers = m;
        outbox.reportTo(peersOf.coordinator().apply(m));
        if (lost == null) {
            lost = new boolean[clients.size()];
        }
        return Behaviors.same();
    }

    /** The coordinator learnt that {@code client} is gone; false (rejected) when unknown or lost already. */
    boolean lose(C m, int client) {
        if (lost == null || client < 0 || client >= lost.length || lost[client]) {
            reject(m, "client " + client + " unknown or already lost");
            return false;
        }
        lost[client] = true;
        return true;
    }

    /** {@code client} is back with actor {@code ref}: expected again from the next round. */
    Behavior<C> back(C m, int client, ActorRef<Client.Command> ref) {
        if (lost == null || client < 0 || client >= lost.length || !lost[client]) {
            return reject(m, "client " + client + " unknown or not lost");
        }
        lost[client] = false;
        List<ActorRef<Client.Command>> clients = new ArrayList<>(peersOf.clients().apply(peers));
        clients.set(client, ref);
        peers = peersOf.withClients().apply(peers, clients);
        return Behaviors.same();
    }

    /** A checkpoint between rounds: what the server carries to the next round, its compute's {@code state} with it. */
    Behavior<C> snapshot(ActorRef<Coordinator.Command> replyTo, byte[] state) {
        outbox.send(replyTo, new Coordinator.PartyState(role, -1, new Saved(lastRound, blocks.held(), version, state,
                audit.stats(role, -1)).toBytes()));
        return Behaviors.same();
    }

    /**
     * Continues from a checkpoint's {@code state}: the wait and the stash are dropped, the compute's state goes to
     * {@code compute}, and no client is lost (the coordinator tells which are gone). The server drops its round.
     */
    void restore(byte[] state, Consumer<byte[]> compute) {
        Saved saved = Saved.fromBytes(state);
        timers.cancel(TIMER);
        stash.clear();
        lastRound = saved.lastRound();
        version = saved.version();
        blocks.reset(saved.blocks());
        compute.accept(saved.compute());
        audit.restore(saved.audit());
        if (lost != null) {
            Arrays.fill(lost, false);
        }
    }

    /** The run is over: the audit to {@code replyTo}, and stop. */
    Behavior<C> stop(ActorRef<Coordinator.Command> replyTo) {
        outbox.send(replyTo, new Coordinator.PartyStopped(audit.stats(role, -1)));
        return Behaviors.stopped();
    }

    /** A scripted crash of {@code server} due at (round, iteration, time) stops it here ({@link ScriptedCrash}). */
    static void crashIfDue(Scenario scenario, Node server, int round, List<Integer> crashesDone, int iteration,
            double timeS) {
        Position p = new Position(round, iteration, timeS);
        ScenarioEvent.CrashServer c = scenario.serverCrashDue(server, p, Set.copyOf(crashesDone));
        if (c != null) {
            throw new ScriptedCrash(new ScriptedCrash.Info(c.line(), p.round(), p.iteration(), p.timeS()));
        }
    }
}
