package io.fedsllm.emu;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.emu.Coordinator.Command;
import io.fedsllm.plan.RoundPlan;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator's state and phases — enrolling → rounds → stopping — see {@link Coordinator}. Who takes part is
 * {@link Parties}'; a round's reports are {@link RoundBook}'s. Used only on the coordinator's thread.
 */
final class CoordinatorRun {
    private static final String TIMER = "wait";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Coordinator.Kit kit;
    private final EmuSettings emu;
    private final PartyAudit audit;
    private final long wallStartNs = System.nanoTime();
    private final Parties parties;
    private final SortedMap<Integer, String> clientFailures = new TreeMap<>();
    private final List<RoundRecord> records = new ArrayList<>();
    private final TreeSet<Integer> pendingKills = new TreeSet<>();
    private final TreeSet<Integer> dropped = new TreeSet<>();
    private final List<PartyAudit.PartyStats> stats = new ArrayList<>();
    private int round = -1;
    private double roundStartS;
    private RoundBook book;
    private long bytesMain;
    private long bytesFed;
    private int generation;
    private long lastAliveNs = System.nanoTime();
    private int stopsPending;
    private RunResult outcome;     // the run ended: the parties' totals are collected
    private Map<String, byte[]> checkpointStates;   // a checkpoint in progress: the states received so far
    private int checkpointPending;
    private String stopAfterCheckpoint;
    private double nextStartS;

    CoordinatorRun(ActorContext<Command> ctx, TimerScheduler<Command> timers, Coordinator.Kit kit, PartyAudit audit) {
        this.ctx = ctx;
        this.timers = timers;
        this.kit = kit;
        this.emu = kit.emu();
        this.audit = audit;
        this.parties = new Parties(kit.clients(), emu.scheme() != Scheme.CENTRALIZED);
    }

    // ---- enrolling ----------------------------------------------------------------------------------------------

    Behavior<Command> enrolling() {
        ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Coordinator.Listed::new);
        for (RoleGuardian.Role r : RoleGuardian.Role.values()) {
            if (r != RoleGuardian.Role.CLIENTS || emu.scheme() != Scheme.CENTRALIZED) {
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleGuardian.key(r), listings));
            }
        }
        arm(kit.runtime().partyTimeout());
        return common()
                .onMessage(Coordinator.Listed.class, this::onListed)
                .onMessage(Coordinator.MainServerEnrolled.class, m -> {
                    parties.mainServer = m.mainServer();
                    return maybeEnrolled();
                })
                .onMessage(Coordinator.FedServerEnrolled.class, m -> {
                    parties.fedServer = m.fedServer();
                    return maybeEnrolled();
                })
                .onMessage(Coordinator.ClientsEnrolled.class, m -> {
                    String bad = parties.join(m.ids(), m.clients());
                    return bad != null ? reject(m, bad) : maybeEnrolled();
                })
                .onMessage(Coordinator.Timeout.class, m -> m.generation() != generation ? Behaviors.same()
                        : fail("after " + kit.runtime().partyTimeout() + " (fedsllm.emu.party-timeout) these parties "
                                + "have not joined: " + parties.missing(), false))
                .onMessage(Command.class, m -> reject(m, "not expected while the parties join"))
                .build();
    }

    private Behavior<Command> onListed(Coordinator.Listed m) {
        for (RoleGuardian.Role r : RoleGuardian.Role.values()) {
            if (m.listing().isForKey(RoleGuardian.key(r))) {
                for (ActorRef<RoleGuardian.Command> g : m.listing().getServiceInstances(RoleGuardian.key(r))) {
                    if (parties.newGuardian(g)) {
                        // Its node may go as a whole (a cluster node's JVM dies): no guardian would report its parties.
                        ctx.watchWith(g, new Coordinator.GuardianTerminated(r.id, g.path().address().toString()));
                        g.tell(new RoleGuardian.Enroll(kit.experiment(), ctx.getSelf()));
                    }
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
        List<ActorRef<Client.Command>> clients = List.copyOf(parties.clients());
        parties.mainServer.tell(new MainServer.Peers(clients, parties.fedServer, ctx.getSelf()));
        parties.fedServer.tell(new FedServer.Peers(clients, parties.mainServer, ctx.getSelf()));
        for (ActorRef<Client.Command> c : clients) {
            c.tell(new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
        }
        if ((emu.scheme() == Scheme.SL || emu.scheme() == Scheme.FL) && emu.planner() == EmuSettings.PlannerChoice.BCD) {
            ctx.getLog().warn("fedsllm.emu.planner = bcd is not used by fedsllm.emu.scheme = {}: {}; set emu.planner = "
                    + "equal to silence this", ConfigReader.configName(emu.scheme()), emu.scheme() == Scheme.SL
                    ? "sl plans each client alone on the whole band (equal subchannels, exact power, every split and rank)"
                    : "fl gives every client equal fed-link subchannels with exact power, at rank lora.rank");
        }
        return kit.resume() != null ? restore(kit.resume()) : beginRound(0, 0.0, running());
    }

    // ---- rounds -------------------------------------------------------------------------------------------------

    private Behavior<Command> running() {
        return common()
                .onMessage(Command.class, Arrival::isInvalid, m -> reject(m, Arrival.why((Arrival) m)))
                .onMessage(Coordinator.Evaluated.class, m -> m.error() == null ? take(m)
                        : fail("round " + m.round() + ": evaluation failed: " + m.error(), false))
                .onMessage(Coordinator.Stalled.class, m -> fail("round " + m.round() + ": the " + m.party() + " waited "
                        + m.timeout() + " (fedsllm.emu.party-timeout) for " + m.waitingFor() + "; the run cannot go on", false))
                .onMessage(Coordinator.Diverged.class, m -> fail("training diverged in round " + m.round() + " ("
                        + m.what() + "): lower fedsllm.train.learning-rate", true))
                .onMessage(Coordinator.Timeout.class, this::onTimeout)
                .onMessage(Coordinator.Listed.class, m -> Behaviors.same())
                .onMessage(Coordinator.PartyState.class, this::onPartyState)
                .onMessage(Command.class, this::take)
                .build();
    }

    private Behavior<Command> take(Command m) {
        String bad = book == null ? "no round in progress" : book.take(m);
        return bad != null ? reject(m, bad) : progress();
    }

    /** Round start: stop the clients scripted to crash now; plan once their guardians report them gone. */
    private Behavior<Command> beginRound(int r, double startS, Behavior<Command> running) {
        round = r;
        roundStartS = startS;
        book = null;
        for (Map.Entry<Integer, Integer> e : emu.killAtRound().entrySet()) {
            int c = e.getKey();
            if (e.getValue() == r && c < parties.k() && parties.alive(c)) {
                pendingKills.add(c);
                parties.client(c).tell(Client.Crash.INSTANCE);
            }
        }
        arm(roundWait());
        return pendingKills.isEmpty() ? runRound(running) : running;
    }

    private Behavior<Command> runRound(Behavior<Command> next) {
        List<Integer> live = parties.live();
        if (emu.scheme() != Scheme.CENTRALIZED && live.isEmpty()) {
            return finish("no-clients");
        }
        RoundPlan plan = kit.planner().plan(round, live.stream().mapToInt(Integer::intValue).toArray());
        book = new RoundBook(plan, roundStartS, parties.k());
        // The deadline is about parallel clients racing to the main server: it applies to sfl only.
        double deadlineS = emu.stragglers() == EmuSettings.StragglerPolicy.DEADLINE && plan.scheme() == Scheme.SFL
                ? emu.deadlineFactor() * plan.plannedT1S() : Double.POSITIVE_INFINITY;
        int centralizedBatches = plan.scheme() == Scheme.CENTRALIZED ? parties.k() : 0;
        parties.mainServer.tell(new MainServer.Configure(round, plan.scheme(), plan.splitLayer(), plan.rank(),
                plan.localIterations(), live, centralizedBatches, plan.serverForwardPerBatchS(), plan.activationBits(),
                plan.gradientDownloadS(), deadlineS, roundStartS));
        parties.fedServer.tell(new FedServer.Configure(round, plan.scheme(), plan.splitLayer(), plan.rank(), live,
                plan.loraBits(), roundStartS));
        for (RoundPlan.ClientShare s : plan.shares()) {
            parties.client(s.client()).tell(new Client.StartRound(round, plan.splitLayer(), plan.rank(),
                    plan.localIterations(), plan.scheme() == Scheme.FL, plan.scheme() == Scheme.SL, s.forwardS(),
                    s.backwardS(), emu.slowdown(s.client()), s.rateMainBps(), s.rateFedBps(), plan.activationBits(),
                    plan.loraBits(), roundStartS));
        }
        arm(roundWait());
        return next;
    }

    /** A report came in: the wait is re-armed and the round completes once everything is in. */
    private Behavior<Command> progress() {
        if (book.iterationsDone != null && !book.uploadsDue && (book.plan.scheme() != Scheme.FL || book.clientsDone())) {
            book.uploadsDue = true;
            parties.fedServer.tell(new FedServer.UploadsDue(round));
        }
        if (!book.partiesDone()) {
            // Once only the aggregation is missing the federated server itself waits for late uploads first.
            boolean onlyAggregation = book.clientsDone() && book.iterationsDone != null && book.serverReady != null
                    && book.fedReady != null;
            arm(onlyAggregation ? roundWait().plus(kit.runtime().partyTimeout()) : roundWait());
            return Behaviors.same();
        }
        String ledger = Ledger.check(book.serverReady.serverBlocks(), book.fedReady.globalBlocks(), kit.planner().layers());
        if (ledger != null) {
            return fail("round " + round + ": " + ledger, false);
        }
        if (kit.evaluator() != null && book.evaluated == null) {
            Double trainLoss = book.trainLoss();
            if (trainLoss != null && !Double.isFinite(trainLoss)) {
                return fail("training diverged in round " + round + " (training loss " + trainLoss + "): lower "
                        + "fedsllm.train.learning-rate", true);
            }
            if (!book.evaluating) {
                book.evaluating = true;
                kit.evaluator().tell(new RoundEvaluator.Evaluate(round, book.plan.splitLayer(), book.aggregated.globalLora(),
                        book.iterationsDone.serverLora(), ctx.getSelf()));
            }
            arm(roundWait());
            return Behaviors.same();
        }
        RoundRecord record = book.record(List.copyOf(dropped));
        dropped.clear();   // a client lost before the next round starts (during the checkpoint) is that round's drop
        records.add(record);
        bytesMain += record.bytesMain();
        bytesFed += record.bytesFed();
        kit.recorder().tell(new Recorder.Round(record, (System.nanoTime() - book.wallStartNs) / 1e9));
        String stop = emu.targetLoss() != null && record.valLoss() != null && record.valLoss() <= emu.targetLoss() ? "target"
                : round + 1 >= emu.rounds() ? "rounds" : null;
        if (!kit.runtime().checkpoints()) {
            return stop != null ? finish(stop) : beginRound(round + 1, record.virtualEndS(), Behaviors.same());
        }
        return checkpoint(record.virtualEndS(), stop);
    }

    // ---- checkpoints --------------------------------------------------------------------------------------------

    /** The end of a round: every party is asked for its state, then the checkpoint goes to the recorder. */
    private Behavior<Command> checkpoint(double nextStart, String stop) {
        nextStartS = nextStart;
        stopAfterCheckpoint = stop;
        checkpointStates = new TreeMap<>();
        checkpointPending = 0;
        ActorRef<Command> self = ctx.getSelf();
        parties.mainServer.tell(new MainServer.Snapshot(round, self));
        parties.fedServer.tell(new FedServer.Snapshot(round, self));
        checkpointPending += 2;
        if (kit.evaluator() != null) {
            kit.evaluator().tell(new RoundEvaluator.Snapshot(self));
            checkpointPending++;
        }
        for (int c : parties.live()) {
            parties.client(c).tell(new Client.Snapshot(round, self));
            checkpointPending++;
        }
        arm(roundWait());
        return Behaviors.same();
    }

    private Behavior<Command> onPartyState(Coordinator.PartyState m) {
        if (checkpointStates == null) {
            return reject(m, "no checkpoint in progress");
        }
        String key = m.role().equals(Client.ROLE) ? CoordinatorState.clientKey(m.party()) : m.role();
        if (m.role().equals(Client.ROLE) && m.party() >= 0 && m.party() < parties.k() && !parties.alive(m.party())) {
            // Lost while the checkpoint was taken: the checkpoint stopped waiting for this state (clientsLost).
            ctx.getLog().info("round {}: the state of client {} came after it was lost; the checkpoint goes without it",
                    round, m.party());
            return Behaviors.same();
        }
        if (checkpointStates.put(key, m.state()) != null) {
            return reject(m, "a second state of " + key);
        }
        return --checkpointPending > 0 ? Behaviors.same() : checkpointTaken();
    }

    /** Every state of the checkpoint is in (or its client is gone): it goes to the recorder, the run goes on. */
    private Behavior<Command> checkpointTaken() {
        List<Integer> dead = new ArrayList<>();
        for (int c = 0; c < parties.k(); c++) {
            if (!parties.alive(c) && parties.client(c) != null) {
                dead.add(c);
            }
        }
        CoordinatorState state = new CoordinatorState(round, nextStartS, stopAfterCheckpoint, dead, clientFailures,
                bytesMain, bytesFed, records, audit.stats(Coordinator.ROLE, -1));
        Map<String, byte[]> files = new TreeMap<>();
        files.put(CoordinatorState.FILE, Saved.cbor(state));
        files.put(CoordinatorState.PARTIES, Saved.cbor(new CoordinatorState.Parties(checkpointStates)));
        checkpointStates = null;
        kit.recorder().tell(new Recorder.Checkpoint(round, files));
        return stopAfterCheckpoint != null ? finish(stopAfterCheckpoint) : beginRound(round + 1, nextStartS, Behaviors.same());
    }

    /** A resumed run: every party and the coordinator continue from the checkpoint, then the next round starts. */
    private Behavior<Command> restore(Map<String, byte[]> files) {
        CoordinatorState st = Saved.cbor(files.get(CoordinatorState.FILE), CoordinatorState.class);
        Map<String, byte[]> states = Saved.cbor(files.get(CoordinatorState.PARTIES), CoordinatorState.Parties.class).states();
        parties.mainServer.tell(new MainServer.Restore(states.get(MainServer.ROLE)));
        parties.fedServer.tell(new FedServer.Restore(states.get(FedServer.ROLE)));
        if (kit.evaluator() != null && states.containsKey(RoundEvaluator.ROLE)) {
            kit.evaluator().tell(new RoundEvaluator.Restore(states.get(RoundEvaluator.ROLE)));
        }
        for (int c = 0; c < parties.k(); c++) {
            byte[] s = states.get(CoordinatorState.clientKey(c));
            if (s != null && parties.client(c) != null) {
                parties.client(c).tell(new Client.Restore(s));
            }
        }
        for (int c : st.dead()) {
            parties.die(c);
            parties.mainServer.tell(new MainServer.ClientLost(c));
            parties.fedServer.tell(new FedServer.ClientLost(c));
        }
        records.addAll(st.records());
        clientFailures.putAll(st.clientFailures());
        bytesMain = st.bytesMain();
        bytesFed = st.bytesFed();
        audit.restore(st.audit());
        round = st.round();
        ctx.getLog().info("resumed after round {} (virtual {} s)", st.round(), st.nextStartS());
        return st.stop() != null ? finish(st.stop()) : beginRound(st.round() + 1, st.nextStartS(), running());
    }

    private Behavior<Command> onTimeout(Coordinator.Timeout m) {
        if (m.generation() != generation) {
            return Behaviors.same();
        }
        String t = roundWait() + " (3 x fedsllm.emu.party-timeout)";
        if (checkpointStates != null) {
            return fail("round " + round + ": " + checkpointPending + " parties did not give their state for the checkpoint "
                    + "within " + t + " (received: " + checkpointStates.keySet() + ")", false);
        }
        String silent = book == null ? "clients " + pendingKills + " scripted to crash did not stop within " + t
                : book.serverReady == null ? "the main server did not get ready within " + t
                : book.fedReady == null ? "the federated server did not get ready within " + t
                : book.iterationsDone == null ? "the main server reported no progress for " + t + " (last iteration "
                        + (book.lastIteration < 0 ? "none" : book.lastIteration) + ")"
                : !book.clientsDone() ? null
                : book.aggregated == null ? "the federated server did not aggregate within "
                        + roundWait().plus(kit.runtime().partyTimeout()) + " (4 x fedsllm.emu.party-timeout)"
                : "the evaluator did not report within " + t;
        if (silent != null) {
            return fail("round " + round + ": " + silent, false);
        }
        for (int c : book.awaitedClients()) {
            ctx.getLog().warn("client {} sent no report in round {} within {}: left out of the round", c, round, t);
            book.forget(c);
        }
        return progress();
    }

    // ---- parties that stop --------------------------------------------------------------------------------------

    private Behavior<Command> onPartyTerminated(Coordinator.PartyTerminated m) {
        if (outcome != null) {
            return Behaviors.same(); // stopping: parties go
        }
        if (!m.role().equals(Client.ROLE) || m.party() < 0 || m.party() >= parties.k()) {
            return fail("the " + m.role() + " stopped unexpectedly " + (round < 0 ? "before the first round" : "in round "
                    + round) + (m.cause() == null ? "" : ": " + m.cause()), false);
        }
        return clientsLost(List.of(m.party()), m.cause());
    }

    /**
     * A guardian the coordinator enrolled terminated: on a cluster its whole node is gone (the JVM died and the split
     * brain resolver downed it, or it left). Its live clients are lost with the reason; a server's node ends the run.
     */
    private Behavior<Command> onGuardianTerminated(Coordinator.GuardianTerminated m) {
        if (outcome != null) {
            return Behaviors.same(); // stopping: nodes go
        }
        String gone = "its node " + m.address() + " left the cluster (its JVM stopped, or it was downed as unreachable)";
        if (!m.role().equals(RoleGuardian.Role.CLIENTS.id)) {
            return fail("the " + m.role() + " stopped unexpectedly " + (round < 0 ? "before the first round" : "in round "
                    + round) + ": " + gone, false);
        }
        return clientsLost(parties.liveOn(m.address()), gone);
    }

    /**
     * Clients that stopped (each with {@code cause}, null for a scripted kill or a stop without failure): never planned
     * again, dropped from the round in progress (or the next one), the servers told; the round or the checkpoint goes
     * on without them.
     */
    private Behavior<Command> clientsLost(List<Integer> lost, String cause) {
        boolean killsDone = false;
        boolean forgotten = false;
        for (int c : lost) {
            if (!parties.die(c)) {
                continue;
            }
            dropped.add(c);
            if (parties.mainServer != null) {
                parties.mainServer.tell(new MainServer.ClientLost(c));
            }
            if (parties.fedServer != null) {
                parties.fedServer.tell(new FedServer.ClientLost(c));
            }
            if (checkpointStates != null && !checkpointStates.containsKey(CoordinatorState.clientKey(c))) {
                checkpointPending--;   // asked for its state, which will never come
            }
            if (pendingKills.remove(c)) {
                killsDone = pendingKills.isEmpty() && book == null && round >= 0;
                continue;
            }
            if (cause != null) {
                // Not a scripted kill: the client's own failure (a rejection of a bad message never stops it).
                clientFailures.put(c, cause);
                ctx.getLog().warn("client {} failed during round {}: left out from now on ({})", c, round, cause);
            } else {
                ctx.getLog().warn("client {} died during round {}: left out from now on", c, round);
            }
            forgotten |= book != null && book.forget(c);
        }
        if (checkpointStates != null && checkpointPending <= 0) {
            return checkpointTaken();
        }
        return killsDone ? runRound(Behaviors.same()) : forgotten ? progress() : Behaviors.same();
    }

    // ---- the end ------------------------------------------------------------------------------------------------

    /** The run ended normally: every party is asked for its totals, then the outcome goes to the recorder. */
    private Behavior<Command> finish(String reason) {
        RoundRecord last = records.isEmpty() ? null : records.get(records.size() - 1);
        Double timeToTarget = emu.targetLoss() == null ? null : records.stream()
                .filter(r -> r.valLoss() != null && r.valLoss() <= emu.targetLoss()).findFirst()
                .map(RoundRecord::virtualEndS).orElse(null);
        outcome = new RunResult(ConfigReader.configName(emu.scheme()), ConfigReader.configName(emu.mode()), parties.k(),
                List.copyOf(records), reason, last == null ? 0 : last.virtualEndS(), 0, 0, 0, bytesMain, bytesFed,
                last == null ? null : last.valLoss(), timeToTarget, Map.of(), clientFailures);
        stopsPending = stopParties();
        arm(kit.runtime().partyTimeout());
        return common()
                .onMessage(Coordinator.Timeout.class, m -> m.generation() != generation ? Behaviors.same() : report())
                .onMessage(Command.class, m -> Behaviors.same()) // late reports of the last round
                .build();
    }

    /** Tells every party the run is over (they answer with their totals); how many were told. */
    private int stopParties() {
        ActorRef<Command> replyTo = ctx.getSelf();
        int n = 0;
        if (parties.mainServer != null) {
            parties.mainServer.tell(new MainServer.Stop(replyTo));
            n++;
        }
        if (parties.fedServer != null) {
            parties.fedServer.tell(new FedServer.Stop(replyTo));
            n++;
        }
        if (kit.evaluator() != null) {
            kit.evaluator().tell(new RoundEvaluator.Stop(replyTo));
            n++;
        }
        for (int c : parties.live()) {
            parties.client(c).tell(new Client.Stop(replyTo));
            n++;
        }
        return n;
    }

    private Behavior<Command> onPartyStopped(Coordinator.PartyStopped m) {
        stats.add(m.stats());
        return outcome != null && --stopsPending <= 0 ? report() : Behaviors.same();
    }

    /** The outcome with every party's message totals (the coordinator's own included). */
    private Behavior<Command> report() {
        timers.cancel(TIMER);
        stats.add(audit.stats(Coordinator.ROLE, -1));
        kit.recorder().tell(new Recorder.Finished(PartyAudit.withTotals(outcome, stats,
                (System.nanoTime() - wallStartNs) / 1e9)));
        return Behaviors.stopped();
    }

    private Behavior<Command> fail(String message, boolean userError) {
        ctx.getLog().error(userError ? message : "the run fails: " + message);
        kit.recorder().tell(new Recorder.Failed(message, userError));
        outcome = new RunResult("", "", 0, List.of(), "failed", 0, 0, 0, 0, 0, 0, null, null, Map.of(), new TreeMap<>());
        stopParties();
        return Behaviors.stopped();
    }

    // ---- common -------------------------------------------------------------------------------------------------

    private BehaviorBuilder<Command> common() {
        return Behaviors.receive(Command.class)
                .onMessage(Coordinator.PartyTerminated.class, this::onPartyTerminated)
                .onMessage(Coordinator.GuardianTerminated.class, this::onGuardianTerminated)
                .onMessage(Coordinator.PartyStopped.class, this::onPartyStopped);
    }

    /**
     * The coordinator's wait for the parties within a round: three party timeouts, as the main server may wait one for
     * a client's backward and one for a client's activations between two progress reports, and a server's own report
     * of a silent peer ({@link Coordinator.Stalled}) must come first.
     */
    private Duration roundWait() {
        return kit.runtime().partyTimeout().multipliedBy(3);
    }

    private void arm(Duration after) {
        long now = System.nanoTime();
        if (now - lastAliveNs > 1_000_000_000L) {
            // The recorder bounds the whole run by the coordinator's silence: tell it the run moves (at most 1/s).
            lastAliveNs = now;
            kit.recorder().tell(new Recorder.Progress(round, book == null ? -1 : book.lastIteration));
        }
        generation++;
        timers.startSingleTimer(TIMER, new Coordinator.Timeout(round, generation), after);
    }

    private Behavior<Command> reject(Command m, String why) {
        audit.rejected();
        ctx.getLog().warn("coordinator rejected {}: {}", m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }
}
