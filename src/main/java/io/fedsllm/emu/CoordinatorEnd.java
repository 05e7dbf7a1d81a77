package io.fedsllm.emu;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.emu.Coordinator.Command;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The end of the run: it ended normally (the outcome goes to the recorder once every party sent its message totals,
 * or the wait for them ran out) or it fails (the recorder is told why, the parties are stopped, the coordinator
 * stops).
 */
final class CoordinatorEnd extends CoordinatorPart {
    private final long wallStartNs = System.nanoTime();
    private final List<PartyAudit.PartyStats> stats = new ArrayList<>();
    private int stopsPending;
    private RunResult outcome;     // the run ended: the parties' totals are collected

    CoordinatorEnd(CoordinatorRun run) {
        super(run);
    }

    /** Whether the run ended (parties and nodes go now). */
    boolean stopping() {
        return outcome != null;
    }

    /**
     * The run ended normally: the last round's LoRA goes to the recorder (real mode), every party is asked for its
     * totals, then the outcome goes to the recorder.
     */
    Behavior<Command> finish(String reason) {
        List<RoundRecord> records = run.records;
        RoundRecord last = records.isEmpty() ? null : records.get(records.size() - 1);
        Double timeToTarget = emu.targetLoss() == null ? null : records.stream()
                .filter(r -> r.valLoss() != null && r.valLoss() <= emu.targetLoss()).findFirst()
                .map(RoundRecord::virtualEndS).orElse(null);
        outcome = new RunResult(ConfigReader.configName(emu.scheme()), ConfigReader.configName(emu.mode()), parties.k(),
                List.copyOf(records), reason, last == null ? 0 : last.virtualEndS(), 0, 0, 0, run.bytesMain,
                run.bytesFed, last == null ? null : last.valLoss(), timeToTarget, Map.of(), run.clientFailures);
        if (run.lastLora != null) {
            outbox.send(kit.recorder(), run.lastLora);
        }
        stopsPending = stopParties();
        arm(kit.runtime().partyTimeout());
        return common()
                .onMessage(Coordinator.Timeout.class, m -> stale(m) ? Behaviors.same() : report())
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

    Behavior<Command> onPartyStopped(Coordinator.PartyStopped m) {
        stats.add(m.stats());
        return outcome != null && --stopsPending <= 0 ? report() : Behaviors.same();
    }

    /** The outcome with every party's message totals (the coordinator's own included). */
    private Behavior<Command> report() {
        run.timers.cancel(TIMER);
        stats.add(run.audit.stats(Coordinator.ROLE, -1));
        outbox.send(kit.recorder(), new Recorder.Finished(PartyAudit.withTotals(outcome, stats,
                (System.nanoTime() - wallStartNs) / 1e9)));
        return Behaviors.stopped();
    }

    /** The run fails with {@code message} ({@code userError}: the experiment's fault, logged as it is). */
    Behavior<Command> fail(String message, boolean userError) {
        ctx.getLog().error(userError ? message : "the run fails: " + message);
        outbox.send(kit.recorder(), new Recorder.Failed(message, userError));
        outcome = new RunResult("", "", 0, List.of(), "failed", 0, 0, 0, 0, 0, 0, null, null, Map.of(), new TreeMap<>());
        stopParties();
        return Behaviors.stopped();
    }
}
