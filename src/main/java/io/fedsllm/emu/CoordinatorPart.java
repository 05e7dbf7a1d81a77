package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings;
import io.fedsllm.emu.Coordinator.Command;
import io.fedsllm.scenario.Scenario;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A part of the coordinator's run logic ({@link CoordinatorRun}): the run whose state it reads and changes (through
 * {@code run}), the setting every part uses, and what every phase does alike — the messages handled in every phase,
 * the coordinator's wait and the rejection of a message not expected. Used only on the coordinator's thread.
 */
abstract class CoordinatorPart {
    static final String TIMER = "wait";

    final CoordinatorRun run;
    final ActorContext<Command> ctx;
    final Coordinator.Kit kit;
    final EmuSettings emu;
    final Scenario scenario;
    final boolean real;
    final Outbox outbox;
    final Parties parties;
    final NodeReturns nodes;

    CoordinatorPart(CoordinatorRun run) {
        this.run = run;
        this.ctx = run.ctx;
        this.kit = run.kit;
        this.emu = kit.emu();
        this.scenario = kit.scenario();
        this.real = emu.mode() == EmuSettings.Mode.REAL;
        this.outbox = run.outbox;
        this.parties = run.parties;
        this.nodes = run.nodes;
    }

    /** What every phase handles: parties, guardians and messages that are gone, and the parties' totals. */
    BehaviorBuilder<Command> common() {
        return Behaviors.receive(Command.class)
                .onMessage(Coordinator.PartyTerminated.class, run.losses::onPartyTerminated)
                .onMessage(Coordinator.GuardianTerminated.class, run.losses::onGuardianTerminated)
                .onMessage(Coordinator.Undelivered.class, run.losses::onUndelivered)
                .onMessage(Coordinator.PartyStopped.class, run.end::onPartyStopped);
    }

    /**
     * {@link #common()} and the servers' enrolments: a server its guardian announces is the run's from then on, and
     * {@code then} says what follows (at the start: whether every party joined; after a restart: whether every
     * guardian is back).
     */
    BehaviorBuilder<Command> commonWithServers(Supplier<Behavior<Command>> then) {
        return common()
                .onMessage(Coordinator.MainServerEnrolled.class, m -> {
                    parties.mainServer = m.mainServer();
                    return then.get();
                })
                .onMessage(Coordinator.FedServerEnrolled.class, m -> {
                    parties.fedServer = m.fedServer();
                    return then.get();
                });
    }

    /**
     * The coordinator's wait for the parties within a round: three party timeouts, as the main server may wait one for
     * a client's backward and one for a client's activations between two progress reports, and a server's own report
     * of a silent peer ({@link Coordinator.Stalled}) must come first.
     */
    Duration roundWait() {
        return kit.runtime().partyTimeout().multipliedBy(3);
    }

    void arm(Duration after) {
        long now = System.nanoTime();
        if (now - run.lastAliveNs > 1_000_000_000L) {
            // The recorder bounds the whole run by the coordinator's silence: tell it the run moves (at most 1/s).
            run.lastAliveNs = now;
            outbox.send(kit.recorder(), new Recorder.Progress(run.round, run.book == null ? -1 : run.book.lastIteration));
        }
        run.generation++;
        run.timers.startSingleTimer(TIMER, new Coordinator.Timeout(run.round, run.generation), after);
    }

    /** Whether {@code m} is a Timeout of an earlier wait (the coordinator's wait was re-armed since). */
    boolean stale(Coordinator.Timeout m) {
        return m.generation() != run.generation;
    }

    Behavior<Command> reject(Command m, String why) {
        run.audit.rejected();
        ctx.getLog().warn("coordinator rejected {}: {}", m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }
}
