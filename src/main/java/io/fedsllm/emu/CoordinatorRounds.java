package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.emu.Coordinator.Command;
import io.fedsllm.plan.RoundPlan;
import io.fedsllm.results.EventRecord;
import io.fedsllm.results.RoundDetails;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.scenario.Link;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.StragglerPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The coordinator's rounds, once a round's start is through ({@link CoordinatorRoundStart}): the round's devices are
 * selected and planned, every party is told its part, the reports are collected ({@link RoundBook}) against the
 * coordinator's wait, and the round's record goes to the recorder; then the next round, a checkpoint or the end.
 */
final class CoordinatorRounds extends CoordinatorPart {
    private int recordedUpTo = -1;   // the last round whose record went to the recorder

    CoordinatorRounds(CoordinatorRun run) {
        super(run);
    }

    /** The phase of the rounds (and of their checkpoints). */
    Behavior<Command> running() {
        return common()
                .onMessage(Command.class, Arrival::isInvalid, m -> reject(m, Arrival.why((Arrival) m)))
                .onMessage(Coordinator.Evaluated.class, m -> m.error() == null ? take(m)
                        : run.end.fail("round " + m.round() + ": evaluation failed: " + m.error(), false))
                .onMessage(Coordinator.Stalled.class, m -> run.end.fail("round " + m.round() + ": the " + m.party()
                        + " waited " + m.timeout() + " (fedsllm.emu.party-timeout) for " + m.waitingFor() + "; the run "
                        + "cannot go on", false))
                .onMessage(Coordinator.Diverged.class, m -> run.end.fail("training diverged in round " + m.round() + " ("
                        + m.what() + "): lower fedsllm.train.learning-rate", true))
                .onMessage(Coordinator.Timeout.class, this::onTimeout)
                .onMessage(Coordinator.Listed.class, run.enrolment::onListed)
                .onMessage(Coordinator.PartyState.class, run.checkpoints::onPartyState)
                .onMessage(Coordinator.ClientsEnrolled.class, m -> nodes.isLate(m.guardian())
                        ? run.roundStart.offered(m) : run.roundStart.onRespawned(m))
                .onMessage(Command.class, this::take)
                .build();
    }

    private Behavior<Command> take(Command m) {
        String bad = run.book == null ? "no round in progress" : run.book.take(m);
        return bad != null ? reject(m, bad) : progress();
    }

    /**
     * The round's devices: up to K (K + x when over-selecting) of the population, available at the round start, not
     * gone for good, present and not down by the scenario, with a live actor to be (real mode: their own).
     */
    Behavior<Command> runRound(Behavior<Command> next) {
        int round = run.round;
        double roundStartS = run.roundStartS;
        Position start = Position.roundStart(round, roundStartS);
        List<Integer> slots = parties.live();
        int count = real ? scenario.clientsStarted() : Math.min(scenario.clientsStarted(), slots.size());
        int[] devices = emu.scheme() == Scheme.CENTRALIZED || count == 0 ? new int[0]
                : kit.population().select(round, roundStartS, count, d -> !run.deadDevices.get(d)
                        && !scenario.absent(d, start) && (!real || parties.alive(d)));
        if (emu.scheme() != Scheme.CENTRALIZED && devices.length == 0) {
            return run.end.finish("no-clients");
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
        run.book = new RoundBook(plan, roundStartS, parties.k(), slotOf);
        Note change = RoundEvents.planChange(scenario, plan, run.records.isEmpty() ? null
                : run.records.get(run.records.size() - 1), roundStartS);
        if (change != null) {
            run.notes.add(change);
        }
        // The deadline and over-selection are about parallel clients racing to the main server: sfl only.
        StragglerPolicy policy = scenario.stragglerPolicy();
        boolean sfl = plan.scheme() == Scheme.SFL;
        double deadlineS = sfl && policy instanceof StragglerPolicy.Deadline d ? d.factor() * plan.plannedT1S()
                : Double.POSITIVE_INFINITY;
        int keep = sfl && policy instanceof StragglerPolicy.OverSelect ? kit.clients() : 0;
        int centralizedBatches = plan.scheme() == Scheme.CENTRALIZED ? kit.clients() : 0;
        List<Integer> done = List.copyOf(run.crashesDone);
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
            return kit.planner().plan(run.round, devices);
        }
        double[] main = new double[devices.length];
        double[] fed = new double[devices.length];
        boolean any = false;
        for (int i = 0; i < devices.length; i++) {
            main[i] = scenario.extraLossDb(devices[i], Link.MAIN, start);
            fed[i] = scenario.extraLossDb(devices[i], Link.FED, start);
            any |= main[i] != 0 || fed[i] != 0;
        }
        return any ? kit.planner().plan(run.round, devices, main, fed) : kit.planner().plan(run.round, devices);
    }

    /** A report came in: the wait is re-armed and the round completes once everything is in. */
    Behavior<Command> progress() {
        RoundBook book = run.book;
        int round = run.round;
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
            return run.end.fail("round " + round + ": " + ledger, false);
        }
        if (kit.evaluator() != null && book.evaluated == null) {
            Double trainLoss = book.trainLoss();
            if (trainLoss != null && !Double.isFinite(trainLoss)) {
                return run.end.fail("training diverged in round " + round + " (training loss " + trainLoss + "): lower "
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
        RoundRecord record = book.record(List.copyOf(run.dropped));
        run.records.add(record);
        run.bytesMain += record.bytesMain();
        run.bytesFed += record.bytesFed();
        List<Note> roundNotes = new ArrayList<>(run.notes);
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
            run.carriedNotes.addAll(run.notes);   // what the coordinator noted goes with the next round's record
        }
        if (book.aggregated.globalLora() != null && book.iterationsDone.serverLora() != null) {
            run.lastLora = new Recorder.FinalAdapters(round, book.aggregated.globalLora(), book.iterationsDone.serverLora());
        }
        String stop = emu.targetLoss() != null && record.valLoss() != null && record.valLoss() <= emu.targetLoss() ? "target"
                : round + 1 >= emu.rounds() ? "rounds" : null;
        if (!kit.runtime().checkpoints() && !scenario.hasServerCrashes()) {
            return stop != null ? run.end.finish(stop)
                    : run.roundStart.beginRound(round + 1, record.virtualEndS(), Behaviors.same());
        }
        return run.checkpoints.checkpoint(record.virtualEndS(), stop, Behaviors.same());
    }

    /**
     * The coordinator's wait ran out: a checkpoint, a round start or a server that went silent ends the run; clients
     * silent past it are left out of the round, which goes on without them.
     */
    private Behavior<Command> onTimeout(Coordinator.Timeout m) {
        if (stale(m)) {
            return Behaviors.same();
        }
        RoundBook book = run.book;
        String t = roundWait() + " (3 x fedsllm.emu.party-timeout)";
        String checkpoint = run.checkpoints.overdue(t);
        if (checkpoint != null) {
            return run.end.fail("round " + run.round + ": " + checkpoint, false);
        }
        String silent = book == null ? "clients " + run.pendingKills + run.pendingCrashes + " scripted to stop did not "
                + "stop, or " + run.pendingRespawns + " were not hosted anew, within " + t
                : book.serverReady == null ? "the main server did not get ready within " + t
                : book.fedReady == null ? "the federated server did not get ready within " + t
                : book.iterationsDone == null ? "the main server reported no progress for " + t + " (last iteration "
                        + (book.lastIteration < 0 ? "none" : book.lastIteration) + ")"
                : !book.clientsDone() ? null
                : book.aggregated == null ? "the federated server did not aggregate within "
                        + roundWait().plus(kit.runtime().partyTimeout()) + " (4 x fedsllm.emu.party-timeout)"
                : "the evaluator did not report within " + t;
        if (silent != null) {
            return run.end.fail("round " + run.round + ": " + silent, false);
        }
        for (int c : book.awaitedClients()) {
            ctx.getLog().warn("client {} sent no report in round {} within {}: left out of the round", c, run.round, t);
            book.forget(c);
        }
        return progress();
    }
}
