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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator's state and phases (enrolling → rounds → stopping): see {@link Coordinator}. One instance per
 * coordinator actor, used only on its thread.
 */
final class CoordinatorRun {
    private static final String TIMER = "wait";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Coordinator.Kit kit;
    private final EmuSettings emu;
    private final PartyAudit audit;
    private final long wallStartNs = System.nanoTime();
    private final int k;

    // Enrolment: the parties as their guardians announce them.
    private final TreeSet<ActorRef<RoleGuardian.Command>> guardians = new TreeSet<>((a, b) -> a.path().compareTo(b.path()));
    private ActorRef<MainServer.Command> mainServer;
    private ActorRef<FedServer.Command> fedServer;
    private final List<ActorRef<Client.Command>> clients;
    private final boolean[] alive;
    private final SortedMap<Integer, String> clientFailures = new TreeMap<>();

    // Rounds.
    private final List<RoundRecord> records = new ArrayList<>();
    private final TreeSet<Integer> pendingKills = new TreeSet<>();
    private final TreeSet<Integer> dropped = new TreeSet<>();
    private int round = -1;
    private double roundStartS;
    private RoundBook book;
    private long bytesMain;
    private long bytesFed;
    private int generation;
    private long lastAliveNs = System.nanoTime();

    // Stopping: every party's totals.
    private final List<PartyAudit.PartyStats> stats = new ArrayList<>();
    private int stopsPending;
    private RunResult outcome;

    CoordinatorRun(ActorContext<Command> ctx, TimerScheduler<Command> timers, Coordinator.Kit kit, PartyAudit audit) {
        this.ctx = ctx;
        this.timers = timers;
        this.kit = kit;
        this.emu = kit.emu();
        this.audit = audit;
        this.k = kit.clients();
        this.clients = new ArrayList<>(java.util.Collections.nCopies(k, null));
        this.alive = new boolean[k];
    }

    private boolean needsClients() {
        return emu.scheme() != Scheme.CENTRALIZED;
    }

    // ---- enrolling ----------------------------------------------------------------------------------------------

    Behavior<Command> enrolling() {
        ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Coordinator.Listed::new);
        for (RoleGuardian.Role r : RoleGuardian.Role.values()) {
            if (r != RoleGuardian.Role.CLIENTS || needsClients()) {
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleGuardian.key(r), listings));
            }
        }
        arm(kit.runtime().partyTimeout());
        return common()
                .onMessage(Coordinator.Listed.class, this::onListed)
                .onMessage(Coordinator.MainServerEnrolled.class, m -> {
                    mainServer = m.mainServer();
                    return maybeEnrolled();
                })
                .onMessage(Coordinator.FedServerEnrolled.class, m -> {
                    fedServer = m.fedServer();
                    return maybeEnrolled();
                })
                .onMessage(Coordinator.ClientsEnrolled.class, this::onClientsEnrolled)
                .onMessage(Coordinator.Timeout.class, m -> m.generation() != generation ? Behaviors.same()
                        : fail("after " + kit.runtime().partyTimeout() + " (fedsllm.emu.party-timeout) these parties "
                                + "have not joined: " + missing(), false))
                .onMessage(Command.class, m -> reject(m, "not expected while the parties join"))
                .build();
    }

    private Behavior<Command> onListed(Coordinator.Listed m) {
        for (RoleGuardian.Role r : RoleGuardian.Role.values()) {
            if (m.listing().isForKey(RoleGuardian.key(r))) {
                for (ActorRef<RoleGuardian.Command> g : m.listing().getServiceInstances(RoleGuardian.key(r))) {
                    if (guardians.add(g)) {
                        g.tell(new RoleGuardian.Enroll(kit.experiment(), ctx.getSelf()));
                    }
                }
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onClientsEnrolled(Coordinator.ClientsEnrolled m) {
        for (int i = 0; i < m.ids().size(); i++) {
            int c = m.ids().get(i);
            if (c < 0 || c >= k || clients.get(c) != null) {
                return reject(m, "client " + c + " is not one of the " + k + " clients or joined twice");
            }
            clients.set(c, m.clients().get(i));
            alive[c] = true;
        }
        return maybeEnrolled();
    }

    private String missing() {
        List<String> out = new ArrayList<>();
        if (mainServer == null) {
            out.add(MainServer.ROLE);
        }
        if (fedServer == null) {
            out.add(FedServer.ROLE);
        }
        List<Integer> ids = new ArrayList<>();
        for (int c = 0; needsClients() && c < k; c++) {
            if (clients.get(c) == null) {
                ids.add(c);
            }
        }
        if (!ids.isEmpty()) {
            out.add("clients " + ids);
        }
        return String.join(", ", out);
    }

    private Behavior<Command> maybeEnrolled() {
        if (!missing().isEmpty()) {
            return Behaviors.same();
        }
        List<ActorRef<Client.Command>> refs = List.copyOf(needsClients() ? clients : List.of());
        mainServer.tell(new MainServer.Peers(refs, fedServer, ctx.getSelf()));
        fedServer.tell(new FedServer.Peers(refs, mainServer, ctx.getSelf()));
        for (ActorRef<Client.Command> c : refs) {
            c.tell(new Client.Peers(mainServer, fedServer, ctx.getSelf()));
        }
        if (!needsClients()) {
            Arrays.fill(alive, false);
        }
        if ((emu.scheme() == Scheme.SL || emu.scheme() == Scheme.FL) && emu.planner() == EmuSettings.PlannerChoice.BCD) {
            ctx.getLog().warn("fedsllm.emu.planner = bcd is not used by fedsllm.emu.scheme = {}: {}; set emu.planner = "
                    + "equal to silence this", ConfigReader.configName(emu.scheme()), emu.scheme() == Scheme.SL
                    ? "sl plans each client alone on the whole band (equal subchannels, exact power, every split and rank)"
                    : "fl gives every client equal fed-link subchannels with exact power, at rank lora.rank");
        }
        Behavior<Command> running = running();
        return beginRound(0, 0.0, running);
    }

    // ---- rounds -------------------------------------------------------------------------------------------------

    private Behavior<Command> running() {
        return common()
                .onMessage(Command.class, Arrival::isInvalid, m -> reject(m, Arrival.why((Arrival) m)))
                .onMessage(Coordinator.ServerReady.class, m -> {
                    if (book == null || m.round() != round || book.serverReady != null) {
                        return reject(m, "unexpected ServerReady for round " + m.round());
                    }
                    book.serverReady = m;
                    return progress();
                })
                .onMessage(Coordinator.FedReady.class, m -> {
                    if (book == null || m.round() != round || book.fedReady != null) {
                        return reject(m, "unexpected FedReady for round " + m.round());
                    }
                    book.fedReady = m;
                    return progress();
                })
                .onMessage(Coordinator.ClientReport.class, m -> {
                    String bad = book == null || m.round() != round ? "unexpected report of client " + m.client()
                            + " for round " + m.round() : book.report(m);
                    return bad != null ? reject(m, bad) : progress();
                })
                .onMessage(Coordinator.IterationProgress.class, m -> {
                    if (book == null || m.round() != round) {
                        return reject(m, "progress of round " + m.round() + " unexpected");
                    }
                    book.lastIteration = m.iteration();
                    return progress();
                })
                .onMessage(Coordinator.IterationsDone.class, m -> {
                    if (book == null || m.round() != round || book.iterationsDone != null) {
                        return reject(m, "unexpected IterationsDone for round " + m.round());
                    }
                    book.iterationsDone = m;
                    return progress();
                })
                .onMessage(Coordinator.Aggregated.class, m -> {
                    if (book == null || m.round() != round || book.aggregated != null) {
                        return reject(m, "unexpected Aggregated for round " + m.round());
                    }
                    book.aggregated = m;
                    return progress();
                })
                .onMessage(Coordinator.Evaluated.class, this::onEvaluated)
                .onMessage(Coordinator.Stalled.class, m -> fail("round " + m.round() + ": the " + m.party() + " waited "
                        + m.timeout() + " (fedsllm.emu.party-timeout) for " + m.waitingFor() + "; the run cannot go on", false))
                .onMessage(Coordinator.Diverged.class, m -> fail("training diverged in round " + m.round() + " ("
                        + m.what() + "): lower fedsllm.train.learning-rate", true))
                .onMessage(Coordinator.Timeout.class, this::onTimeout)
                .onMessage(Command.class, m -> reject(m, "not expected during the rounds"))
                .build();
    }

    /** Round start: stop the clients scripted to crash now; plan once their guardians report them gone. */
    private Behavior<Command> beginRound(int r, double startS, Behavior<Command> running) {
        round = r;
        roundStartS = startS;
        dropped.clear();
        book = null;
        for (Map.Entry<Integer, Integer> e : emu.killAtRound().entrySet()) {
            int c = e.getKey();
            if (e.getValue() == r && c < k && alive[c]) {
                pendingKills.add(c);
                clients.get(c).tell(Client.Crash.INSTANCE);
            }
        }
        arm(roundWait());
        return pendingKills.isEmpty() ? runRound(running) : running;
    }

    private Behavior<Command> runRound(Behavior<Command> next) {
        List<Integer> live = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            if (alive[c]) {
                live.add(c);
            }
        }
        if (needsClients() && live.isEmpty()) {
            return finish("no-clients");
        }
        int[] participants = live.stream().mapToInt(Integer::intValue).toArray();
        RoundPlan plan = kit.planner().plan(round, participants);
        book = new RoundBook(plan, roundStartS, k);
        // The deadline is about parallel clients racing to the main server: it applies to sfl only.
        double deadlineS = emu.stragglers() == EmuSettings.StragglerPolicy.DEADLINE && plan.scheme() == Scheme.SFL
                ? emu.deadlineFactor() * plan.plannedT1S() : Double.POSITIVE_INFINITY;
        int centralizedBatches = plan.scheme() == Scheme.CENTRALIZED ? k : 0;
        mainServer.tell(new MainServer.Configure(round, plan.scheme(), plan.splitLayer(), plan.rank(),
                plan.localIterations(), live, centralizedBatches, plan.serverForwardPerBatchS(), plan.activationBits(),
                plan.gradientDownloadS(), deadlineS, roundStartS));
        fedServer.tell(new FedServer.Configure(round, plan.scheme(), plan.splitLayer(), plan.rank(), live,
                plan.loraBits(), roundStartS));
        boolean local = plan.scheme() == Scheme.FL;
        for (RoundPlan.ClientShare s : plan.shares()) {
            clients.get(s.client()).tell(new Client.StartRound(round, plan.splitLayer(), plan.rank(),
                    plan.localIterations(), local, plan.scheme() == Scheme.SL, s.forwardS(), s.backwardS(),
                    emu.slowdown(s.client()), s.rateMainBps(), s.rateFedBps(), plan.activationBits(), plan.loraBits(),
                    roundStartS));
        }
        arm(roundWait());
        return next;
    }

    private Behavior<Command> onEvaluated(Coordinator.Evaluated m) {
        if (book == null || m.round() != round || !book.evaluating || book.evaluated != null) {
            return reject(m, "unexpected Evaluated for round " + m.round());
        }
        if (m.error() != null) {
            return fail("round " + round + ": evaluation failed: " + m.error(), false);
        }
        book.evaluated = m;
        return progress();
    }

    /** A report came in: the wait is re-armed and the round completes once everything is in. */
    private Behavior<Command> progress() {
        if (book.iterationsDone != null && !book.uploadsDue && (book.plan.scheme() != Scheme.FL || book.clientsDone())) {
            book.uploadsDue = true;
            fedServer.tell(new FedServer.UploadsDue(round));
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
        records.add(record);
        bytesMain += record.bytesMain();
        bytesFed += record.bytesFed();
        kit.recorder().tell(new Recorder.Round(record, (System.nanoTime() - book.wallStartNs) / 1e9));
        if (emu.targetLoss() != null && record.valLoss() != null && record.valLoss() <= emu.targetLoss()) {
            return finish("target");
        }
        if (round + 1 >= emu.rounds()) {
            return finish("rounds");
        }
        return beginRound(round + 1, record.virtualEndS(), Behaviors.same());
    }

    private Behavior<Command> onTimeout(Coordinator.Timeout m) {
        if (m.generation() != generation) {
            return Behaviors.same();
        }
        String t = roundWait() + " (3 x fedsllm.emu.party-timeout)";
        if (book == null) {
            return fail("round " + round + ": clients " + pendingKills + " scripted to crash did not stop within " + t, false);
        }
        if (book.serverReady == null) {
            return fail("round " + round + ": the main server did not get ready within " + t, false);
        }
        if (book.fedReady == null) {
            return fail("round " + round + ": the federated server did not get ready within " + t, false);
        }
        if (book.iterationsDone == null) {
            return fail("round " + round + ": the main server reported no progress for " + t + " (last iteration "
                    + (book.lastIteration < 0 ? "none" : book.lastIteration) + ")", false);
        }
        if (!book.clientsDone()) {
            for (int c : book.awaitedClients()) {
                ctx.getLog().warn("client {} sent no report in round {} within {}: left out of the round", c, round, t);
                book.forget(c);
            }
            return progress();
        }
        if (book.aggregated == null) {
            return fail("round " + round + ": the federated server did not aggregate within " + roundWait().plus(
                    kit.runtime().partyTimeout()) + " (4 x fedsllm.emu.party-timeout)", false);
        }
        return fail("round " + round + ": the evaluator did not report within " + t, false);
    }

    // ---- parties that stop --------------------------------------------------------------------------------------

    private Behavior<Command> onPartyTerminated(Coordinator.PartyTerminated m) {
        if (outcome != null) {
            return Behaviors.same(); // stopping: parties go
        }
        if (!m.role().equals(Client.ROLE) || m.party() < 0 || m.party() >= k) {
            return fail("the " + m.role() + " stopped unexpectedly " + (round < 0 ? "before the first round" : "in round "
                    + round) + (m.cause() == null ? "" : ": " + m.cause()), false);
        }
        int c = m.party();
        if (!alive[c]) {
            return Behaviors.same();
        }
        alive[c] = false;
        dropped.add(c);
        mainServer.tell(new MainServer.ClientLost(c));
        fedServer.tell(new FedServer.ClientLost(c));
        if (pendingKills.remove(c)) {
            return pendingKills.isEmpty() && book == null && round >= 0 ? runRound(Behaviors.same()) : Behaviors.same();
        }
        if (m.cause() != null) {
            // Not a scripted kill: the client's own failure (a rejection of a bad message never stops it).
            clientFailures.put(c, m.cause());
            ctx.getLog().warn("client {} failed during round {}: left out from now on ({})", c, round, m.cause());
        } else {
            ctx.getLog().warn("client {} died during round {}: left out from now on", c, round);
        }
        return book != null && book.forget(c) ? progress() : Behaviors.same();
    }

    // ---- the end ------------------------------------------------------------------------------------------------

    private Behavior<Command> finish(String reason) {
        RoundRecord last = records.isEmpty() ? null : records.get(records.size() - 1);
        Double timeToTarget = null;
        if (emu.targetLoss() != null) {
            for (RoundRecord r : records) {
                if (r.valLoss() != null && r.valLoss() <= emu.targetLoss()) {
                    timeToTarget = r.virtualEndS();
                    break;
                }
            }
        }
        outcome = new RunResult(ConfigReader.configName(emu.scheme()), ConfigReader.configName(emu.mode()), k,
                List.copyOf(records), reason, last == null ? 0 : last.virtualEndS(), 0, 0, 0, bytesMain, bytesFed,
                last == null ? null : last.valLoss(), timeToTarget, Map.of(), clientFailures);
        stopParties(true);
        arm(kit.runtime().partyTimeout());
        return stopping();
    }

    /** Tells every party the run is over; {@code collect}: their totals are awaited. */
    private void stopParties(boolean collect) {
        ActorRef<Command> replyTo = ctx.getSelf();
        List<Runnable> stops = new ArrayList<>();
        if (mainServer != null) {
            stops.add(() -> mainServer.tell(new MainServer.Stop(replyTo)));
        }
        if (fedServer != null) {
            stops.add(() -> fedServer.tell(new FedServer.Stop(replyTo)));
        }
        if (kit.evaluator() != null) {
            stops.add(() -> kit.evaluator().tell(new RoundEvaluator.Stop(replyTo)));
        }
        for (int c = 0; c < k; c++) {
            ActorRef<Client.Command> ref = clients.get(c);
            if (ref != null && alive[c]) {
                stops.add(() -> ref.tell(new Client.Stop(replyTo)));
            }
        }
        stops.forEach(Runnable::run);
        stopsPending = collect ? stops.size() : 0;
    }

    private Behavior<Command> stopping() {
        return common()
                .onMessage(Coordinator.Timeout.class, m -> m.generation() != generation ? Behaviors.same() : report())
                .onMessage(Command.class, m -> Behaviors.same()) // late reports of the last round
                .build();
    }

    private Behavior<Command> onPartyStopped(Coordinator.PartyStopped m) {
        stats.add(m.stats());
        stopsPending--;
        return outcome != null && stopsPending <= 0 ? report() : Behaviors.same();
    }

    /** The outcome with every party's message totals (the coordinator's own included). */
    private Behavior<Command> report() {
        timers.cancel(TIMER);
        stats.add(audit.stats(Coordinator.ROLE, -1));
        long messages = 0;
        long rejected = 0;
        Map<String, java.util.Set<String>> types = new TreeMap<>();
        for (PartyAudit.PartyStats s : stats) {
            messages += s.messages();
            rejected += s.rejected();
            types.computeIfAbsent(s.role(), r -> new java.util.TreeSet<>()).addAll(s.types());
        }
        RunResult o = outcome;
        kit.recorder().tell(new Recorder.Finished(new RunResult(o.scheme(), o.mode(), o.clients(), o.rounds(),
                o.stopReason(), o.virtualSeconds(), (System.nanoTime() - wallStartNs) / 1e9, messages, rejected,
                o.bytesMain(), o.bytesFed(), o.finalValLoss(), o.timeToTargetS(), types, o.clientFailures())));
        return Behaviors.stopped();
    }

    private Behavior<Command> fail(String message, boolean userError) {
        if (userError) {
            ctx.getLog().error(message);
        } else {
            ctx.getLog().error("the run fails: {}", message);
        }
        kit.recorder().tell(new Recorder.Failed(message, userError));
        outcome = new RunResult("", "", 0, List.of(), "failed", 0, 0, 0, 0, 0, 0, null, null, Map.of(), new TreeMap<>());
        stopParties(false);
        return Behaviors.stopped();
    }

    // ---- common -------------------------------------------------------------------------------------------------

    private BehaviorBuilder<Command> common() {
        return Behaviors.receive(Command.class)
                .onMessage(Coordinator.PartyTerminated.class, this::onPartyTerminated)
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
