package io.fedsllm.emu;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.emu.Coordinator.Command;
import io.fedsllm.plan.RoundPlan;
import io.fedsllm.results.EventRecord;
import io.fedsllm.results.RoundDetails;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.scenario.Link;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.StragglerPolicy;
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
 * The coordinator's state and phases — enrolling → rounds (→ checkpoint, → restarting after a server crash) →
 * stopping — see {@link Coordinator}. Who takes part is {@link Parties}'; a round's reports are {@link RoundBook}'s;
 * its events {@link RoundEvents}'. Each round it selects the round's devices from the population (those available,
 * present and not down by the scenario), gives each to a client actor (real mode: the device's own; analytic mode:
 * the next free one), plans them with the fades in force at the round start, and tells every party its part. Used
 * only on the coordinator's thread.
 */
final class CoordinatorRun {
    private static final String TIMER = "wait";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Coordinator.Kit kit;
    private final EmuSettings emu;
    private final PartyAudit audit;
    private final Outbox outbox;
    private final long wallStartNs = System.nanoTime();
    private final Parties parties;
    private final NodeReturns nodes = new NodeReturns();   // cluster nodes that go and come back
    private boolean started;                               // every party joined: the run is under way
    private final SortedMap<Integer, String> clientFailures = new TreeMap<>();
    private final List<RoundRecord> records = new ArrayList<>();
    private final TreeSet<Integer> pendingKills = new TreeSet<>();     // client actors stopped for good at this round start
    private final TreeSet<Integer> pendingCrashes = new TreeSet<>();   // client actors stopped by a scripted crash now
    private final TreeSet<Integer> pendingRespawns = new TreeSet<>();  // client actors being hosted anew
    private final TreeSet<Integer> respawnDue = new TreeSet<>();       // client actors to host anew at the next round start
    private final java.util.BitSet deadDevices = new java.util.BitSet();   // devices gone for good
    private final TreeSet<Integer> crashesDone = new TreeSet<>();      // scenario lines of server crashes that happened
    private final TreeSet<Integer> dropped = new TreeSet<>();           // devices found down in this round
    private final TreeSet<Integer> droppedNext = new TreeSet<>();       // ... once its record was written: the next round's
    private final List<Note> notes = new ArrayList<>();                 // the coordinator's notes of this round
    private final List<Note> carriedNotes = new ArrayList<>();          // ... of a round done again, for the next one
    private final Scenario scenario;
    private final boolean real;
    private Map<String, byte[]> lastState;   // the last round's state (checkpoint files): what a crashed server restarts from
    private boolean initialState;            // the state being collected is the start's (before round 0), kept only in memory
    private int resetsPending;               // a server restart: guardians not yet back with their new parties
    private ScriptedCrash.Info restart;      // the server crash being recovered from
    private String restartedRole;
    private String restartCause;             // null: a scripted crash; else why a server's node went
    private RoleGuardian.Role awaitedServer; // a server's node went: the role whose node started again is awaited
    private final java.util.EnumMap<RoleGuardian.Role, ActorRef<RoleGuardian.Command>> spares =
            new java.util.EnumMap<>(RoleGuardian.Role.class);   // server nodes that joined during the run, unused
    private int recordedUpTo = -1;           // the last round whose record went to the recorder
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
    private Recorder.FinalAdapters lastLora; // real mode: the LoRA of the last recorded round
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
        this.outbox = Outbox.of(ctx.getSystem(), ctx.getSelf());
        this.scenario = kit.scenario();
        this.real = emu.mode() == EmuSettings.Mode.REAL;
        this.parties = new Parties(kit.slots(), emu.scheme() != Scheme.CENTRALIZED);
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
                    String bad = parties.join(m.ids(), m.clients(), m.guardian());
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
                    if (!parties.newGuardian(g)) {
                        continue;
                    }
                    if (started && r != RoleGuardian.Role.CLIENTS) {
                        serverNodeJoined(r, g);
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
            return restore(kit.resume(), null, running());
        }
        if (scenario.hasServerCrashes() || kit.runtime().checkpoints() && onCluster()) {
            // A server crashing in round 0 (or, on a cluster, a server's node going) restarts from the start: the
            // parties' state now, kept in memory.
            initialState = true;
            return checkpoint(0.0, null, running());
        }
        return beginRound(0, 0.0, running());
    }

    /** Whether the parties live on other nodes of a cluster (whose JVMs may die), not in this JVM. */
    private boolean onCluster() {
        return parties.guardians().stream().anyMatch(g -> g.path().address().hasGlobalScope());
    }

    /** Tells every party who the others are (at enrolment, and after a restart brought new parties). */
    private void wire() {
        List<ActorRef<Client.Command>> clients = List.copyOf(parties.clients());
        outbox.send(parties.mainServer, new MainServer.Peers(clients, parties.fedServer, ctx.getSelf()));
        outbox.send(parties.fedServer, new FedServer.Peers(clients, parties.mainServer, ctx.getSelf()));
        for (ActorRef<Client.Command> c : clients) {
            outbox.send(c, new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
        }
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
                .onMessage(Coordinator.Listed.class, this::onListed)
                .onMessage(Coordinator.PartyState.class, this::onPartyState)
                .onMessage(Coordinator.ClientsEnrolled.class, m -> nodes.isLate(m.guardian()) ? offered(m) : onRespawned(m))
                .onMessage(Command.class, this::take)
                .build();
    }

    private Behavior<Command> take(Command m) {
        String bad = book == null ? "no round in progress" : book.take(m);
        return bad != null ? reject(m, bad) : progress();
    }

    /**
     * Round start: the devices killed for good (emu.kill-at-round) or crashing now by the scenario are down (real mode:
     * their actors are stopped); client actors stopped by an earlier scripted crash are hosted anew. The round is
     * planned once all of that is through.
     */
    private Behavior<Command> beginRound(int r, double startS, Behavior<Command> running) {
        round = r;
        roundStartS = startS;
        dropped.clear();
        dropped.addAll(droppedNext);   // lost while the previous round's checkpoint was taken
        droppedNext.clear();
        notes.clear();
        notes.addAll(carriedNotes);
        carriedNotes.clear();
        book = null;
        for (Map.Entry<Integer, Integer> e : emu.killAtRound().entrySet()) {
            int d = e.getKey();
            if (e.getValue() == r && !deadDevices.get(d)) {
                deadDevices.set(d);
                dropped.add(d);
                if (real && parties.alive(d)) {
                    pendingKills.add(d);
                    outbox.send(parties.client(d), Client.Crash.INSTANCE);
                }
            }
        }
        for (int d : scenario.crashesAt(r)) {
            dropped.add(d);
            if (real && parties.alive(d) && !pendingKills.contains(d)) {
                pendingCrashes.add(d); // a crashed device loses what it held: its actor stops, and is hosted anew
                outbox.send(parties.client(d), Client.Crash.INSTANCE);
            }
        }
        takeBack();
        respawn();
        arm(roundWait());
        return pendingKills.isEmpty() && pendingCrashes.isEmpty() && pendingRespawns.isEmpty() ? runRound(running) : running;
    }

    /** Asks the guardians of the client actors due to be hosted anew for them (answered by ClientsEnrolled). */
    private void respawn() {
        Map<ActorRef<RoleGuardian.Command>, List<Integer>> byHost = new java.util.LinkedHashMap<>();
        for (int c : respawnDue) {
            if (!parties.alive(c) && parties.host(c) != null && nodes.isLost(parties.host(c))) {
                nodes.lostWithNode(c, -1);   // its node is gone: it comes back only with a node started again
            } else if (!parties.alive(c) && parties.host(c) != null) {
                byHost.computeIfAbsent(parties.host(c), g -> new ArrayList<>()).add(c);
                pendingRespawns.add(c);
            }
        }
        respawnDue.clear();
        byHost.forEach((g, ids) -> outbox.send(g, new RoleGuardian.Respawn(ids)));
    }

    private Behavior<Command> onRespawned(Coordinator.ClientsEnrolled m) {
        if (!pendingRespawns.containsAll(m.ids())) {
            return reject(m, "clients " + m.ids() + " were not asked for");
        }
        String bad = parties.rejoin(m.ids(), m.clients(), m.guardian());
        if (bad != null) {
            return reject(m, bad);
        }
        for (int i = 0; i < m.ids().size(); i++) {
            int c = m.ids().get(i);
            pendingRespawns.remove(c);
            outbox.send(parties.mainServer, new MainServer.ClientBack(c, m.clients().get(i)));
            outbox.send(parties.fedServer, new FedServer.ClientBack(c, m.clients().get(i)));
            outbox.send(m.clients().get(i), new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
        }
        return roundStartDone();
    }

    /** A guardian found after the run started hosts these clients: they wait to come back (next round starts). */
    private Behavior<Command> offered(Coordinator.ClientsEnrolled m) {
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
                    deadDevices.clear(device);
                    dropped.remove(device);   // lost since the last round's record, back before this round: missed none
                    devices.add(device);
                }
                clientFailures.computeIfPresent(device >= 0 ? device : c, (key, why) -> why + "; back from round " + round
                        + " (its clients node started again: " + node + ")");
                outbox.send(parties.mainServer, new MainServer.ClientBack(c, refs.get(i)));
                outbox.send(parties.fedServer, new FedServer.ClientBack(c, refs.get(i)));
                outbox.send(refs.get(i), new Client.Peers(parties.mainServer, parties.fedServer, ctx.getSelf()));
            }
            notes.add(new Note(null, roundStartS, "node-rejoined", List.copyOf(devices), "client actors " + ids
                    + " hosted again by a clients node started again (" + node + "): planned from this round on"));
            ctx.getLog().info("round {}: clients {} are back, hosted by {}", round, ids, node);
        });
    }

    /**
     * The round's devices: up to K (K + x when over-selecting) of the population, available at the round start, not
     * gone for good, present and not down by the scenario, with a live actor to be (real mode: their own).
     */
    private Behavior<Command> runRound(Behavior<Command> next) {
        Position start = Position.roundStart(round, roundStartS);
        List<Integer> slots = parties.live();
        int count = real ? scenario.clientsStarted() : Math.min(scenario.clientsStarted(), slots.size());
        int[] devices = emu.scheme() == Scheme.CENTRALIZED || count == 0 ? new int[0]
                : kit.population().select(round, roundStartS, count, d -> !deadDevices.get(d) && !scenario.absent(d, start)
                        && (!real || parties.alive(d)));
        if (emu.scheme() != Scheme.CENTRALIZED && devices.length == 0) {
            return finish("no-clients");
        }
        RoundPlan plan = plan(devices, start);
        int[] slotOf = new int[devices.length];
        List<Integer> participants = new ArrayList<>(devices.length);
        List<Integer> deviceList = new ArrayList<>(devices.length);
        for (int i = 0; i < devices.length; i++) {
            slotOf[i] = real ? devices[i] : slots.get(i);
            participants.add(slotOf[i]);
            deviceList.add(devices[i]);
        }
        book = new RoundBook(plan, roundStartS, parties.k(), slotOf);
        Note change = RoundEvents.planChange(scenario, plan, records.isEmpty() ? null : records.get(records.size() - 1),
                roundStartS);
        if (change != null) {
            notes.add(change);
        }
        // The deadline and over-selection are about parallel clients racing to the main server: sfl only.
        StragglerPolicy policy = scenario.stragglerPolicy();
        boolean sfl = plan.scheme() == Scheme.SFL;
        double deadlineS = sfl && policy instanceof StragglerPolicy.Deadline d ? d.factor() * plan.plannedT1S()
                : Double.POSITIVE_INFINITY;
        int keep = sfl && policy instanceof StragglerPolicy.OverSelect ? kit.clients() : 0;
        int centralizedBatches = plan.scheme() == Scheme.CENTRALIZED ? kit.clients() : 0;
        List<Integer> done = List.copyOf(crashesDone);
        outbox.send(parties.mainServer, new MainServer.Configure(round, plan.scheme(), plan.splitLayer(), plan.rank(),
                plan.localIterations(), participants, deviceList, centralizedBatches, plan.serverForwardPerBatchS(),
                plan.activationBits(), plan.gradientDownloadS(), deadlineS, keep, done,
                roundStartS + plan.dataUpload().durationS())); // centralized round 0: once every shard has arrived
        outbox.send(parties.fedServer, new FedServer.Configure(round, plan.scheme(), plan.splitLayer(), plan.rank(),
                plan.localIterations(), participants, deviceList, plan.loraBits(), done, roundStartS));
        boolean fades = scenario.hasFades();
        for (int i = 0; i < devices.length; i++) {
            RoundPlan.ClientShare s = plan.shares().get(i);
            outbox.send(parties.client(slotOf[i]), new Client.StartRound(round, s.client(), plan.splitLayer(), plan.rank(),
                    plan.localIterations(), plan.scheme() == Scheme.FL, plan.scheme() == Scheme.SL, s.forwardS(),
                    s.backwardS(), emu.slowdown(s.client()), s.rateMainBps(), s.rateFedBps(), fades ? s.main() : null,
                    fades ? s.fed() : null, plan.activationBits(), plan.loraBits(), roundStartS));
        }
        arm(roundWait());
        return next;
    }

    /** The planner on the round's devices, with the scenario's fades in force at the round start when there are any. */
    private RoundPlan plan(int[] devices, Position start) {
        if (!scenario.hasFades()) {
            return kit.planner().plan(round, devices);
        }
        double[] main = new double[devices.length];
        double[] fed = new double[devices.length];
        boolean any = false;
        for (int i = 0; i < devices.length; i++) {
            main[i] = scenario.extraLossDb(devices[i], Link.MAIN, start);
            fed[i] = scenario.extraLossDb(devices[i], Link.FED, start);
            any |= main[i] != 0 || fed[i] != 0;
        }
        return any ? kit.planner().plan(round, devices, main, fed) : kit.planner().plan(round, devices);
    }

    /** A report came in: the wait is re-armed and the round completes once everything is in. */
    private Behavior<Command> progress() {
        if (book.iterationsDone != null && !book.uploadsDue && (book.plan.scheme() != Scheme.FL || book.clientsDone())) {
            book.uploadsDue = true;
            outbox.send(parties.fedServer, new FedServer.UploadsDue(round));
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
                outbox.send(kit.evaluator(), new RoundEvaluator.Evaluate(round, book.plan.splitLayer(), book.aggregated.globalLora(),
                        book.iterationsDone.serverLora(), ctx.getSelf()));
            }
            arm(roundWait());
            return Behaviors.same();
        }
        RoundRecord record = book.record(List.copyOf(dropped));
        records.add(record);
        bytesMain += record.bytesMain();
        bytesFed += record.bytesFed();
        List<Note> roundNotes = new ArrayList<>(notes);
        roundNotes.addAll(book.iterationsDone.notes());
        roundNotes.addAll(book.aggregated.notes());
        List<EventRecord> events = RoundEvents.of(scenario, record, book.iterationsDone.iterationStartS(),
                book.plan.participants(), roundNotes);
        if (round > recordedUpTo) {
            recordedUpTo = round;
            outbox.send(kit.recorder(), new Recorder.Round(record, (System.nanoTime() - book.wallStartNs) / 1e9,
                    new RoundDetails(events, book.spans(), RoundEvents.marks(events))));
        } else {
            // Done again after a server's node went while its checkpoint was taken: the same record, written already.
            ctx.getLog().info("round {} done again: its record is the one written before", round);
            carriedNotes.addAll(notes);   // what the coordinator noted goes with the next round's record
        }
        if (book.aggregated.globalLora() != null && book.iterationsDone.serverLora() != null) {
            lastLora = new Recorder.FinalAdapters(round, book.aggregated.globalLora(), book.iterationsDone.serverLora());
        }
        String stop = emu.targetLoss() != null && record.valLoss() != null && record.valLoss() <= emu.targetLoss() ? "target"
                : round + 1 >= emu.rounds() ? "rounds" : null;
        if (!kit.runtime().checkpoints() && !scenario.hasServerCrashes()) {
            return stop != null ? finish(stop) : beginRound(round + 1, record.virtualEndS(), Behaviors.same());
        }
        return checkpoint(record.virtualEndS(), stop, Behaviors.same());
    }

    // ---- checkpoints --------------------------------------------------------------------------------------------

    /**
     * The end of a round (or, with {@link #initialState}, the start of the run): every party is asked for its state;
     * the checkpoint is kept to restart a crashed server from and, unless it is the start's, goes to the recorder.
     */
    private Behavior<Command> checkpoint(double nextStart, String stop, Behavior<Command> next) {
        nextStartS = nextStart;
        stopAfterCheckpoint = stop;
        checkpointStates = new TreeMap<>();
        checkpointPending = 0;
        ActorRef<Command> self = ctx.getSelf();
        outbox.send(parties.mainServer, new MainServer.Snapshot(round, self));
        outbox.send(parties.fedServer, new FedServer.Snapshot(round, self));
        checkpointPending += 2;
        if (kit.evaluator() != null) {
            outbox.send(kit.evaluator(), new RoundEvaluator.Snapshot(self));
            checkpointPending++;
        }
        for (int c : parties.live()) {
            outbox.send(parties.client(c), new Client.Snapshot(round, self));
            checkpointPending++;
        }
        arm(roundWait());
        return next;
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

    /** Every state of the checkpoint is in (or its client is gone): it is kept, the run goes on. */
    private Behavior<Command> checkpointTaken() {
        List<Integer> dead = new ArrayList<>();
        for (int c = 0; c < parties.k(); c++) {
            if (!parties.alive(c) && parties.client(c) != null && !respawnDue.contains(c)) {
                dead.add(c);
            }
        }
        CoordinatorState state = new CoordinatorState(round, nextStartS, stopAfterCheckpoint, dead, clientFailures,
                bytesMain, bytesFed, records, audit.stats(Coordinator.ROLE, -1), deadDevices.stream().boxed().toList(),
                List.copyOf(respawnDue), List.copyOf(crashesDone), lastLora);
        Map<String, byte[]> files = new TreeMap<>();
        files.put(CoordinatorState.FILE, Saved.cbor(state));
        files.put(CoordinatorState.PARTIES, Saved.cbor(new CoordinatorState.Parties(checkpointStates)));
        checkpointStates = null;
        lastState = files;
        if (initialState) {
            initialState = false;
        } else if (kit.runtime().checkpoints()) {
            outbox.send(kit.recorder(), new Recorder.Checkpoint(round, files));
        }
        return stopAfterCheckpoint != null ? finish(stopAfterCheckpoint) : beginRound(round + 1, nextStartS, Behaviors.same());
    }

    /**
     * Every party and the coordinator continue from a checkpoint's state, then the next round starts: at the
     * checkpoint's time (a resumed run), or at {@code startS} (a restart after a server crash: the time until the
     * crash is spent).
     */
    private Behavior<Command> restore(Map<String, byte[]> files, Double startS, Behavior<Command> next) {
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
        records.clear();
        records.addAll(st.records());
        clientFailures.clear();
        clientFailures.putAll(st.clientFailures());
        bytesMain = st.bytesMain();
        bytesFed = st.bytesFed();
        deadDevices.clear();
        st.deadDevices().forEach(deadDevices::set);
        respawnDue.clear(); // every client actor is new now
        crashesDone.addAll(st.crashesDone());
        lastLora = st.lastLora(); // a run resumed after its last round still writes the LoRA it ended with
        audit.restore(st.audit());
        round = st.round();
        lastState = files;
        double at = startS != null ? startS : st.nextStartS();
        ctx.getLog().info("{} after round {} (virtual {} s)", startS != null ? "restarted" : "resumed", st.round(), at);
        return st.stop() != null ? finish(st.stop()) : beginRound(st.round() + 1, at, next);
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
        String silent = book == null ? "clients " + pendingKills + pendingCrashes + " scripted to stop did not stop, or "
                + pendingRespawns + " were not hosted anew, within " + t
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

    // ---- a server crash: every party restarts from the last checkpoint ------------------------------------------

    /**
     * A server stopped by its scenario: every guardian stops its parties and hosts them anew (nothing of the round is
     * left in flight), then all continue from the last checkpoint and the round is done again from the crash's time.
     */
    private Behavior<Command> restart(String role, ScriptedCrash.Info crash) {
        if (lastState == null) {
            return fail("the " + role + " crashed (scenario line " + crash.line() + ") but there is no checkpoint to "
                    + "restart it from", false);
        }
        crashesDone.add(crash.line());
        restartCause = null;
        ctx.getLog().warn("the {} crashed in round {} at {} s (scenario line {}): every party restarts from the checkpoint "
                + "of round {}", role, crash.round(), crash.timeS(), crash.line(), round - 1);
        return restartAll(role, crash, 0);
    }

    /**
     * Every guardian that takes part stops its parties and hosts them anew ({@code extra}: further enrolments awaited,
     * a server's node started again); once all are back, {@link #reset()}.
     */
    private Behavior<Command> restartAll(String role, ScriptedCrash.Info crash, int extra) {
        restart = crash;
        restartedRole = role;
        book = null;
        checkpointStates = null;
        pendingKills.clear();
        pendingCrashes.clear();
        pendingRespawns.clear();
        // Guardians whose node is gone, or whose clients wait to come back, are not in the run: not asked.
        List<ActorRef<RoleGuardian.Command>> guardians = parties.guardians().stream().filter(nodes::takesPart).toList();
        resetsPending = guardians.size() + extra;
        guardians.forEach(g -> outbox.send(g, new RoleGuardian.Reset()));
        arm(kit.runtime().partyTimeout());
        return common()
                .onMessage(Coordinator.MainServerEnrolled.class, m -> {
                    parties.mainServer = m.mainServer();
                    return reset();
                })
                .onMessage(Coordinator.FedServerEnrolled.class, m -> {
                    parties.fedServer = m.fedServer();
                    return reset();
                })
                .onMessage(Coordinator.Listed.class, this::onListed)
                .onMessage(Coordinator.ClientsEnrolled.class, m -> {
                    if (nodes.isLate(m.guardian())) {
                        return offered(m);
                    }
                    m.ids().forEach(parties::die);
                    String bad = parties.rejoin(m.ids(), m.clients(), m.guardian());
                    return bad != null ? fail("a restarted guardian: " + bad, false) : reset();
                })
                .onMessage(Coordinator.Timeout.class, m -> m.generation() != generation ? Behaviors.same()
                        : fail(awaitedServer != null ? "round " + round + ": the " + role + " stopped unexpectedly: "
                                + restartCause + "; no " + awaitedServer.id + " node joined within "
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
        wire();
        ScriptedCrash.Info crash = restart;
        restart = null;
        double at = Math.max(crash.timeS(), roundStartS);
        Behavior<Command> next = restore(lastState, at, running());
        String again = "every party restarted from the checkpoint of round " + (crash.round() - 1) + " and round "
                + crash.round() + " is done again from " + at + " s";
        notes.add(restartCause == null
                ? new Note(crash.iteration(), crash.timeS(), "crash-" + restartedRole, List.of(), "the " + restartedRole
                        + " crashed (scenario line " + crash.line() + "); " + again)
                : new Note(null, crash.timeS(), "node-restarted", List.of(), "the " + restartedRole + " stopped: "
                        + restartCause + "; its node started again hosts it, " + again));
        restartCause = null;
        return next;
    }

    // ---- parties that stop --------------------------------------------------------------------------------------

    private Behavior<Command> onPartyTerminated(Coordinator.PartyTerminated m) {
        if (outcome != null) {
            return Behaviors.same(); // stopping: parties go
        }
        boolean server = m.role().equals(MainServer.ROLE) || m.role().equals(FedServer.ROLE);
        if (server && m.crash() != null && restart == null) {
            return restart(m.role(), m.crash());
        }
        if (!m.role().equals(Client.ROLE) || m.party() < 0 || m.party() >= parties.k()) {
            return fail("the " + m.role() + " stopped unexpectedly " + (round < 0 ? "before the first round" : "in round "
                    + round) + (m.cause() == null ? "" : ": " + m.cause()), false);
        }
        return clientsLost(List.of(m.party()), m.cause(), m.crash());
    }

    /**
     * A guardian the coordinator enrolled terminated: on a cluster its whole node is gone (the JVM died and the split
     * brain resolver downed it, or it left). The live clients it hosted are lost with the reason; a server's node ends
     * the run.
     */
    private Behavior<Command> onGuardianTerminated(Coordinator.GuardianTerminated m) {
        if (outcome != null) {
            return Behaviors.same(); // stopping: nodes go
        }
        String gone = "its node " + m.guardian().path().address() + " left the cluster (its JVM stopped, or it was downed "
                + "as unreachable)";
        if (!m.role().equals(RoleGuardian.Role.CLIENTS.id)) {
            return serverNodeLost(m.role(), m.guardian(), gone);
        }
        return nodeLost(m.guardian(), gone);
    }

    /**
     * A server guardian found after the run started: it takes the place of the server whose node went (a server node
     * started again), or waits as a spare for that to happen; it takes no other part.
     */
    private void serverNodeJoined(RoleGuardian.Role r, ActorRef<RoleGuardian.Command> g) {
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
    private Behavior<Command> serverNodeLost(String role, ActorRef<RoleGuardian.Command> g, String gone) {
        RoleGuardian.Role r = role.equals(MainServer.ROLE) ? RoleGuardian.Role.MAIN_SERVER : RoleGuardian.Role.FED_SERVER;
        if (g.equals(spares.get(r)) || nodes.isIgnored(g)) {
            spares.remove(r, g);
            ctx.getLog().warn("a {} node that took no part went: {}", role, gone);
            return Behaviors.same();
        }
        String stopped = "the " + role + " stopped unexpectedly " + (round < 0 ? "before the first round" : "in round "
                + round) + ": " + gone;
        if (lastState == null || restart != null || resetsPending > 0) {
            return fail(stopped + (lastState == null ? "; there is no checkpoint to restart it from (fedsllm.emu.checkpoints "
                    + "= off)" : "; the run was restarting already"), false);
        }
        nodes.hostLost(g);
        restartCause = gone;
        ActorRef<RoleGuardian.Command> spare = spares.remove(r);
        ctx.getLog().warn("{}; every party restarts from the checkpoint of round {}, the {} on {}", stopped, round - 1,
                role, spare != null ? "the node at " + spare.path().address() : "the next " + role + " node to join");
        Behavior<Command> next = restartAll(role, new ScriptedCrash.Info(-1, round, -1, roundStartS), 1);
        if (spare != null) {
            enrolReplacement(spare);
        } else {
            awaitedServer = r;
        }
        return next;
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
        for (int c : List.copyOf(pendingRespawns)) {
            if (guardian.equals(parties.host(c))) {
                pendingRespawns.remove(c);
                nodes.lostWithNode(c, -1);
                respawning = true;
            }
        }
        Behavior<Command> next = clientsLost(parties.liveHostedBy(guardian), why, null, true);
        if (!respawning) {
            return next;
        }
        Behavior<Command> planned = roundStartDone();   // the round start waited for them too
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
    private Behavior<Command> onUndelivered(Coordinator.Undelivered m) {
        if (outcome != null) {
            return Behaviors.same(); // stopping: nodes go
        }
        String what = "a " + m.message() + " for " + m.target().path() + " could not be delivered: " + m.reason();
        if (m.cause() == io.fedsllm.cluster.Courier.Cause.TARGET || m.cause() == io.fedsllm.cluster.Courier.Cause.SENDER) {
            ctx.getLog().info("{} (its end is reported by its guardian)", what);
            return Behaviors.same();
        }
        if (m.cause() == io.fedsllm.cluster.Courier.Cause.NODE) {
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
        return fail((round < 0 ? "before the first round" : "round " + round) + ": " + what, false);
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
            if (checkpointStates != null && !checkpointStates.containsKey(CoordinatorState.clientKey(c))) {
                checkpointPending--;   // asked for its state, which will never come
            }
            if (pendingKills.remove(c)) {
                roundStart = true; // stopped for good at the round start (listed as dropped there)
                continue;
            }
            if (pendingCrashes.remove(c)) {
                respawnDue.add(c); // its device crashed at the round start; a new actor is its next incarnation
                roundStart = true;
                continue;
            }
            int device = real ? c : book != null ? book.device(c) : -1;
            if (device >= 0) {
                (checkpointStates != null ? droppedNext : dropped).add(device);
            }
            if (crash != null) {
                respawnDue.add(c);
                ctx.getLog().info("client {} (device {}) crashed in round {} (scenario line {}): left out of the round", c,
                        device, round, crash.line());
            } else {
                if (device >= 0) {
                    deadDevices.set(device);
                }
                if (withNode) {
                    nodes.lostWithNode(c, device);   // a clients node started again may bring it back
                }
                if (cause != null) {
                    // Not a scripted stop: the client's own failure (a rejection of a bad message never stops it).
                    clientFailures.put(device >= 0 ? device : c, cause);
                    ctx.getLog().warn("client {} failed during round {}: left out from now on ({})", c, round, cause);
                } else {
                    ctx.getLog().warn("client {} died during round {}: left out from now on", c, round);
                }
            }
            forgotten |= book != null && book.forget(c);
        }
        if (checkpointStates != null && checkpointPending <= 0) {
            return checkpointTaken();
        }
        return roundStart ? roundStartDone() : forgotten ? progress() : Behaviors.same();
    }

    /** A round start's stops and respawns are through: the round is planned (once). */
    private Behavior<Command> roundStartDone() {
        return pendingKills.isEmpty() && pendingCrashes.isEmpty() && pendingRespawns.isEmpty() && book == null
                && round >= 0 ? runRound(Behaviors.same()) : Behaviors.same();
    }

    // ---- the end ------------------------------------------------------------------------------------------------

    /**
     * The run ended normally: the last round's LoRA goes to the recorder (real mode), every party is asked for its
     * totals, then the outcome goes to the recorder.
     */
    private Behavior<Command> finish(String reason) {
        RoundRecord last = records.isEmpty() ? null : records.get(records.size() - 1);
        Double timeToTarget = emu.targetLoss() == null ? null : records.stream()
                .filter(r -> r.valLoss() != null && r.valLoss() <= emu.targetLoss()).findFirst()
                .map(RoundRecord::virtualEndS).orElse(null);
        outcome = new RunResult(ConfigReader.configName(emu.scheme()), ConfigReader.configName(emu.mode()), parties.k(),
                List.copyOf(records), reason, last == null ? 0 : last.virtualEndS(), 0, 0, 0, bytesMain, bytesFed,
                last == null ? null : last.valLoss(), timeToTarget, Map.of(), clientFailures);
        if (lastLora != null) {
            outbox.send(kit.recorder(), lastLora);
        }
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
            outbox.send(parties.mainServer, new MainServer.Stop(replyTo));
            n++;
        }
        if (parties.fedServer != null) {
            outbox.send(parties.fedServer, new FedServer.Stop(replyTo));
            n++;
        }
        if (kit.evaluator() != null) {
            outbox.send(kit.evaluator(), new RoundEvaluator.Stop(replyTo));
            n++;
        }
        for (int c : parties.live()) {
            outbox.send(parties.client(c), new Client.Stop(replyTo));
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
        outbox.send(kit.recorder(), new Recorder.Finished(PartyAudit.withTotals(outcome, stats,
                (System.nanoTime() - wallStartNs) / 1e9)));
        return Behaviors.stopped();
    }

    private Behavior<Command> fail(String message, boolean userError) {
        ctx.getLog().error(userError ? message : "the run fails: " + message);
        outbox.send(kit.recorder(), new Recorder.Failed(message, userError));
        outcome = new RunResult("", "", 0, List.of(), "failed", 0, 0, 0, 0, 0, 0, null, null, Map.of(), new TreeMap<>());
        stopParties();
        return Behaviors.stopped();
    }

    // ---- common -------------------------------------------------------------------------------------------------

    private BehaviorBuilder<Command> common() {
        return Behaviors.receive(Command.class)
                .onMessage(Coordinator.PartyTerminated.class, this::onPartyTerminated)
                .onMessage(Coordinator.GuardianTerminated.class, this::onGuardianTerminated)
                .onMessage(Coordinator.Undelivered.class, this::onUndelivered)
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
            outbox.send(kit.recorder(), new Recorder.Progress(round, book == null ? -1 : book.lastIteration));
        }
        generation++;
        timers.startSingleTimer(TIMER, new Coordinator.Timeout(round, generation), after);
    }

    /** Whether {@code ref} is a server of the run (this incarnation or an earlier one: a child of a server guardian). */
    private boolean isServer(ActorRef<?> ref) {
        return ref.equals(parties.mainServer) || ref.equals(parties.fedServer)
                || ref.path().name().equals(MainServer.ROLE) || ref.path().name().equals(FedServer.ROLE);
    }

    private Behavior<Command> reject(Command m, String why) {
        audit.rejected();
        ctx.getLog().warn("coordinator rejected {}: {}", m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }
}
